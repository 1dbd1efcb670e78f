"""Annual update campaigns (décret 2023-1057): scope, derived statuses, progress, reminders by e-mail.

A campaign names a territory (région and/or départements), FINESS categories, an opening date and
a deadline. Each open EG in scope is, at any instant: ``validee`` (its directeur validated since the
opening), else ``en_retard`` (deadline passed), else ``en_cours`` (edited since the opening), else
``a_faire``. The status is computed from the EG's own edit and validation dates (``suivi``), in SQL,
so lists filter and count on it without a stored copy that could drift.
"""
