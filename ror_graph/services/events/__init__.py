"""The event log and its consumers: what each write appended, who has read it, what waits.

Search sync (``search_index.sync``), the change feed, webhooks and reminders are consumers, each with
its own cursor.
"""
