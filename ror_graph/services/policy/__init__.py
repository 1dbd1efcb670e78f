"""The one visibility policy of the directory: who sees which rows, fields and items (see ``visibility``).

Every read channel (GraphQL batches and pages, search documents and exports, history, suivi) and the
unit lookups of the write services ask this package instead of re-stating the rules.
"""
