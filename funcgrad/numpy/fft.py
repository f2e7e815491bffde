"""funcgrad.numpy.fft: placeholder, being written."""
