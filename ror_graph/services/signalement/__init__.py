"""Signalements from the public site: the queue of reported errors the support team works.

``queue`` takes a report (checks, honeypot, throttle per client address) and closes it; each step is
one transaction with its audit rows. A signalement is not a directory entity: it appends no event.
"""
