"""Quality rules → anomalies: declarative rules over the directory, run on write (event consumer
``qualite``) and nightly (scheduler), feeding one support queue where public error reports land too.
"""
