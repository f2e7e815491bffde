"""Placeholder: the indexing family is being written."""
