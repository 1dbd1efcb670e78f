"""Business rules and transactions: the only place that writes SQL.

GraphQL resolvers, the admin and the importers all call these functions, so the same rules,
audit rows and search-outbox rows apply whatever the entry point.
"""
