"""CLI commands (demo): registered on import."""
