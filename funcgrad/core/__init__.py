"""Layer 1: primitives, traces, tracers and rule tables; knows no numpy names or derivatives."""
