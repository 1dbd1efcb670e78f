"""Building blocks every domain shares: expected errors, value checks, the unit of work.

``changes.ChangeSet`` is the one way a write reaches the database: the row, its audit rows and its
events in one transaction. ``validation`` holds identifier and code checks (FINESS, SIREN, COG…).
"""
