"""Placeholder: the control family is being written."""
