"""Business rules and transactions: the only place that writes SQL, one package per domain.

GraphQL resolvers, the admin, the CLI and search sync all call these functions, so the same rules,
visibility policy, audit rows and events apply whatever the entry point. Domains import downwards
only: demo → directory, suivi, finess → etablissement → unite → policy → accounts, core, events,
reference (checked by import-linter in ``make lint``).
"""
