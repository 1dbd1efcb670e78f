"""The change feed (what changed after a cursor, per caller) and the entity forms it and the bulk export
share: one item per change of an EJ, EG or unité, tombstones for what left the caller's view.
"""
