"""Rows of the primitive table: the reductions family (being written)."""

REDUCTIONS: list = []
