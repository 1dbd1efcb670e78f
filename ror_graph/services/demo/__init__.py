"""Demo data: real FINESS establishments with generated offers, flagged ``demo`` and named "(démo)"."""
