"""Reference data: NOS nomenclatures and COG geography, read from the shipped files and loaded idempotently."""
