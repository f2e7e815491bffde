"""Seeing inside backprop: the circuit view, gradient-flow diagnostics, the NaN finder.

``show(f, *args)`` draws every value and gradient; ``diagnose(loss, params, *batch)``
reports how gradients flow (norms, saturation, dead units, vanishing or exploding
recurrences); ``debug_nans()`` raises at the first non-finite value, forward or backward,
naming the primitive and the user's line. Public face: may import every layer.
"""
