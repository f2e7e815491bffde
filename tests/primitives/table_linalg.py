"""Rows of the primitive table: the linalg family (being written)."""

LINALG: list = []
