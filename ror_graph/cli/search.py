"""CLI commands (search): registered on import."""
