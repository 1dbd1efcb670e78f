"""Établissement (EG, FINESS "ET"): the declared fields its référents edit.

``inputs`` declares the typed inputs of the EG writes (declared fields, FINESS correction,
validation); ``write`` applies the declared fields. FINESS-owned fields are not written here (see
``services.finess.correction``).
"""
