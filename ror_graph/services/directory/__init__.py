"""Reads of the directory for every read channel: batches by key, filtered pages, history.

Every read here goes through the visibility policy, so the GraphQL API, the exports, the change feed
and the FHIR API see exactly what the caller is entitled to. A FHIR export or a change feed reader
lives beside these modules.
"""
