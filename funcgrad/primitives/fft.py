"""Placeholder: the fft family is being written."""
