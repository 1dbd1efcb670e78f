"""The scheduler of due work (campaign reminders, quality rules, snapshots, retention purges).

Each job has a ``scheduled_job`` row; a process runs it only after taking its lease with one atomic
``UPDATE``, so a job runs once across processes. Time comes from a ``Clock`` the tests control.
"""
