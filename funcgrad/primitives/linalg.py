"""Placeholder: the linalg family is being written."""
