"""Rows of the primitive table: funcgrad.numpy.fft (being written)."""

FFT: list = []
