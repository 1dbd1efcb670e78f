"""Readers of external files (nomenclature CSVs, COG geography, FINESS extracts)."""
