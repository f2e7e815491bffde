"""Every differentiable row: VJP and JVP against central finite differences (orders 1, 2).

With the relative criterion of ``check_grads`` (``OpSpec.relative``, on by default), so
small derivatives are checked relative to their size, not only to ``atol``.
"""

import pytest
from hypothesis import given, strategies as st

from funcgrad.testing import check_grads

from ._draw import draw_case
from .table import DIFFERENTIABLE, ids


def _check(spec, data, mode):
    f, args = draw_case(spec, data)
    check_grads(
        f,
        args,
        order=spec.order,
        modes=(mode,),
        eps=spec.eps,
        atol=spec.atol,
        rtol=spec.rtol,
        relative=spec.relative,
    )


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_vjp_matches_finite_differences(spec, data):
    _check(spec, data, "rev")


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_jvp_matches_finite_differences(spec, data):
    _check(spec, data, "fwd")
