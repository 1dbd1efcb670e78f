"""FHIR R4 read side of the ROR (ME 3.0 profiles): resources, search, includes, ``_history``, capability.

``service`` (read by id, search Bundles) and ``history`` are what the HTTP routes call; ``resources``,
``places`` and ``common`` shape the ROR profiles; ``params`` declares the search parameters once
(SQL and CapabilityStatement); ``registry_map`` emits the elements the attribute registry declares.
Every row comes through the visibility policy (``services.policy``), via the directory's batch readers.
"""
