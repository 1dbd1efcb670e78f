"""Unité opérationnelle (offre, FHIR HealthcareService) with what hangs under it.

``inputs`` declares the typed inputs of the offer writes (the GraphQL inputs and admin forms are
built from them); ``write`` creates, updates and closes an offer; ``attributes`` validates and writes
its declared attributes; ``contacts``, ``horaires`` and ``lieux`` validate and write its contacts and
telecoms (merged, never removing what the author cannot see), opening hours, and lieux with
capacities and équipements.
"""
