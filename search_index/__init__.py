"""Meilisearch side of ror_graph: the managed server, documents, settings, indexing and queries.

Depends on ``ror_graph.models`` only; connection details always arrive as arguments.
"""
