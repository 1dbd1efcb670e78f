"""Bulk export of the whole directory for one read profile, from one consistent snapshot, with the feed
cursor at which it was taken (``snapshot``), written as gzip NDJSON, gzip CSV or XLSX (``sinks``).
"""
