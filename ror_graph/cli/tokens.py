"""CLI commands (tokens): registered on import."""
