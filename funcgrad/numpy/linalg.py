"""funcgrad.numpy.linalg: placeholder, being written."""
