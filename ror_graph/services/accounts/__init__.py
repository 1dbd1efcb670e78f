"""Who is calling and what they may do: accounts, passwords, tokens, API clients and scopes.

A request is resolved to a caller here (``auth``); write services ask ``scope`` whether that caller
may touch an établissement. Login throttling and sessions live here too.
"""
