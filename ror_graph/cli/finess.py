"""CLI commands (finess): registered on import."""
