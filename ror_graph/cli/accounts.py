"""CLI commands (accounts): registered on import."""
