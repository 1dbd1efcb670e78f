"""API clients as consumers of the directory: region limit, webhook (URL and signing secret), position
and lag in the feed. Tokens and profiles stay in ``accounts``.
"""
