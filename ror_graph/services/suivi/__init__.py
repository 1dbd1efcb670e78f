"""Keeping descriptions true (suivi): completeness, the yearly validation flow (décret 2023-1057).

Annual update campaigns, their reminders and quality rules belong here.
"""
