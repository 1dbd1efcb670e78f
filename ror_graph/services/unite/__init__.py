"""Unité opérationnelle (offre, FHIR HealthcareService) with what hangs under it.

``write`` creates, updates and closes an offer; ``contacts``, ``horaires`` and ``lieux`` validate and
write its contacts and telecoms, opening hours, and lieux with capacities and équipements.
"""
