"""Rows of the primitive table: indexing, gathers, scatters and sorting (being written)."""

INDEXING: list = []
