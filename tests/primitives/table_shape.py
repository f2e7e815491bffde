"""Rows of the primitive table: the shape family (being written)."""

SHAPE: list = []
