"""Layer 4: one module per transformation, each owning its Trace subclass."""
