"""Établissement (EG, FINESS "ET"): the declared fields its référents edit.

FINESS-owned fields are not written here (see ``services.finess.correction``).
"""
