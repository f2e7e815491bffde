"""Complex values follow JAX's convention: the VJP is the plain transpose of the JVP.

The table sweeps the convention (complex rows in test_transposition and the finite
differences of ``check_grads``); these cases pin ``grad`` and ``vjp`` to the values JAX
0.10 returns (looked up once with ``jax_enable_x64``; JAX is not imported here).
"""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

Z = np.array([0.5 + 1j, -1.2 + 0.3j])
U = np.array([1 - 1j, 2 + 0.5j])
A = np.array([[1 + 2j, 3], [0.5j, 2]])

CASES = [
    ("abs_sq", lambda: fg.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j), 6 - 8j),
    ("real_sq", lambda: fg.grad(lambda z: fnp.real(z * z))(1 + 2j), 2 + 4j),
    (
        "imag_exp",
        lambda: fg.grad(lambda z: fnp.imag(fnp.exp(z)))(0.5 + 1j),
        1.3873511113297634 - 0.8908079042931287j,
    ),
    (
        "matmul",
        lambda: fg.grad(lambda z: fnp.abs(fnp.sum(A @ z)) ** 2)(np.array([1 + 1j, 2 - 1j])),
        [9.5 + 45.5j, 85 + 15j],
    ),
    (
        "vjp_log",
        lambda: fg.vjp(fnp.log, Z)[1](U)[0],
        [-0.4 - 1.2j, -1.4705882352941178 - 0.7843137254901962j],
    ),
    ("vjp_conj", lambda: fg.vjp(fnp.conj, Z)[1](U)[0], [1 + 1j, 2 - 0.5j]),
    ("vjp_imag", lambda: fg.vjp(fnp.imag, Z)[1](np.array([1.0, 2.0]))[0], [-1j, -2j]),
    ("vjp_fft", lambda: fg.vjp(fnp.fft.fft, Z)[1](U)[0], [3 - 0.5j, -1 - 1.5j]),
    (
        "vjp_inv",
        lambda: fg.vjp(fnp.linalg.inv, A)[1](np.array([[1 - 1j, 2 + 0.5j], [0.3j, 1.0]]))[0],
        [
            [0.35859607376561575 - 0.8506841165972636j, -0.663890541344438 + 0.34937537180249856j],
            [-0.31838191552647255 + 0.8516359309934565j, 0.6397382510410472 - 0.5789411064842356j],
        ],
    ),
    ("vjp_prod", lambda: fg.vjp(fnp.prod, Z)[1](np.asarray(1 - 1j))[0], [-0.9 + 1.5j, 1.5 + 0.5j]),
    (
        "vjp_real_input",  # a real input gets the real part of the transposed cotangent
        lambda: fg.vjp(lambda x: x * (1 + 0.5j), 2.0)[1](np.asarray(1 - 1j))[0],
        1.5,
    ),
]


@pytest.mark.parametrize(("name", "compute", "expected"), CASES, ids=[c[0] for c in CASES])
def test_matches_jax(name, compute, expected):
    got = compute()
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    assert np.asarray(got).dtype == np.asarray(expected).dtype or np.iscomplexobj(got)


def test_numerical_grad_follows_the_convention():
    (g,) = fg.testing.numerical_grad(lambda z: np.abs(z) ** 2, np.asarray(3 + 4j))
    np.testing.assert_allclose(g, 6 - 8j, rtol=1e-8)
