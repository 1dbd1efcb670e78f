"""FINESS: the national file that owns the identity of EJ and EG.

``parsers`` reads the three formats (FINESS+ JSON, etalab CSV, FHIR NDJSON) into records; ``importer``
streams them through ``batch`` (EJ/EG upserts) and ``activites_batch`` (capacities); ``correction``
is the support team's override of a FINESS-owned field, kept until FINESS changes the value.
"""
