"""CLI commands (schema): registered on import."""
