"""Error messages of the transformations: they name the argument, the shape, the dtype or
the primitive, say what to do, and never surface as an internal AttributeError."""

from __future__ import annotations

import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def _under_each_transformation(body):
    """Run ``body(x)`` under grad, jvp and vmap (x a traced float vector)."""

    def scalar(x):
        body(x)
        return fnp.sum(x)

    x = np.array([1.0, 2.0])
    return [
        lambda: fg.grad(scalar)(x),
        lambda: fg.jvp(body, (x,), (x,)),
        lambda: fg.vmap(body)(np.stack([x, x])),
    ]


TRANSFORMS = ["grad", "jvp", "vmap"]


# --- non-float inputs and non-scalar outputs -----------------------------------------


@pytest.mark.parametrize(
    ("value", "dtype_name"),
    [(np.array([1, 2]), "int64"), (np.array([True]), "bool"), (3, "int64"), (True, "bool")],
    ids=["int array", "bool array", "python int", "python bool"],
)
@pytest.mark.parametrize("argnums", [0, 1])
def test_grad_wrt_a_non_float_argument_names_position_and_dtype(value, dtype_name, argnums):
    def f(a, b):
        return fnp.sum(a * 1.0) + fnp.sum(b * 1.0)

    args = [np.array(1.0), np.array(1.0)]
    args[argnums] = value
    with pytest.raises(TypeError) as info:
        fg.grad(f, argnums=argnums)(*args)
    message = str(info.value)
    assert f"argument {argnums}" in message
    assert dtype_name in message
    assert "float" in message  # says what would work


def test_non_float_leaf_of_a_pytree_argument_is_named():
    with pytest.raises(TypeError, match=r"argument 0.*leaf 1.*int64"):
        fg.grad(lambda p: p["a"] * 1.0)({"a": np.array(1.0), "b": np.array(2)})


@pytest.mark.parametrize(
    "call",
    [
        lambda: fg.vjp(lambda x: x * 1.0, np.arange(3)),
        lambda: fg.jacrev(lambda x: x * 1.0)(np.arange(3)),
        lambda: fg.jacfwd(lambda x: x * 1.0)(np.arange(3)),
        lambda: fg.jvp(lambda x: x * 1.0, (np.arange(3),), (np.ones(3),)),
    ],
    ids=["vjp", "jacrev", "jacfwd", "jvp"],
)
def test_other_transformations_reject_integer_inputs(call):
    with pytest.raises(TypeError, match="int64"):
        call()


@pytest.mark.parametrize("shape", [(2, 3), (1,), (4,)])
def test_grad_of_a_non_scalar_names_the_shape(shape):
    with pytest.raises(TypeError) as info:
        fg.grad(lambda x: fnp.sin(x))(np.ones(shape))
    assert str(shape) in str(info.value)
    assert "jacrev" in str(info.value)  # what to do instead


def test_grad_of_a_non_array_output_suggests_has_aux():
    with pytest.raises(TypeError, match="has_aux"):
        fg.grad(lambda x: (x * x, 1.0))(1.0)


# --- misuse of tracers ---------------------------------------------------------------


@pytest.mark.parametrize("index", range(3), ids=TRANSFORMS)
def test_item_assignment_on_a_tracer_points_to_at(index):
    def body(x):
        x[0] = 1.0
        return x

    with pytest.raises(TypeError, match=re.escape(".at[")):
        _under_each_transformation(body)[index]()


@pytest.mark.parametrize("index", range(3), ids=TRANSFORMS)
@pytest.mark.parametrize(
    ("numpy_call", "name"),
    [
        (np.exp, "exp"),
        (lambda x: np.add(x, 1.0, out=None, dtype=np.float64), "add"),
        (np.sum, "sum"),
        (np.ones_like, "ones_like"),
        (lambda x: np.asarray(x), None),
    ],
    ids=["np.exp", "np.add with kwargs", "np.sum", "np.ones_like", "np.asarray"],
)
def test_plain_numpy_on_a_tracer_points_to_funcgrad_numpy(numpy_call, name, index):
    with pytest.raises(TypeError) as info:
        _under_each_transformation(numpy_call)[index]()
    message = str(info.value)
    assert "funcgrad.numpy" in message
    if name is not None:
        assert f"fnp.{name}" in message


def test_numpy_arrays_and_scalars_on_the_left_of_operators_still_work():
    a = np.array([1.0, 2.0])

    def f(x):
        return fnp.sum(a * x + a / x - a**x + np.float64(2.0) * x + (a > x) * 1.0 + (a @ x))

    x = np.array([0.5, 1.5])
    g = fg.grad(f)(x)
    expected = a - a / x**2 - np.log(a) * a**x + 2.0 + 2 * a  # a @ x is summed twice
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    # shape queries are allowed on tracers
    assert fg.vmap(lambda v: np.shape(v) == (2,) and np.ndim(v) == 1 and np.size(v) == 2 and v)(
        np.ones((3, 2))
    ).shape == (3, 2)


@pytest.mark.parametrize(
    "run",
    [
        lambda f: fg.grad(lambda x: fnp.sum(f(x)))(np.array([1.0, 2.0])),
        lambda f: fg.jvp(f, (np.array([1.0, 2.0]),), (np.ones(2),)),
        lambda f: fg.vmap(f)(np.ones((3, 2))),
    ],
    ids=TRANSFORMS,
)
def test_a_tracer_escaping_its_transformation_is_a_clear_error(run):
    leaked = []

    def f(x):
        leaked.append(x)
        return x * 2.0

    run(f)
    tracer = leaked[0]
    uses = (
        lambda: tracer * 3.0,
        lambda: fnp.sin(tracer),
        lambda: np.ones(2) + tracer,
        lambda: np.exp(tracer),  # the leak is the problem, not plain numpy
        lambda: np.asarray(tracer),
    )
    for use in uses:
        with pytest.raises(RuntimeError, match="after the transformation"):
            use()
    # ... also inside a later transformation
    with pytest.raises(RuntimeError, match="after the transformation"):
        fg.grad(lambda y: fnp.sum(y * tracer))(np.ones(2))
    with pytest.raises(RuntimeError, match="after the transformation"):
        fg.vmap(lambda y: fnp.sin(y) + tracer)(np.ones((3, 2)))


# --- shape errors name the primitive -------------------------------------------------


@pytest.mark.parametrize("index", range(3), ids=TRANSFORMS)
@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda x: x + np.ones(5), "add"),
        (lambda x: np.ones(5) * x, "multiply"),
        (lambda x: fnp.arctan2(x, np.ones(4)), "arctan2"),
    ],
    ids=["add", "reflected multiply", "arctan2"],
)
def test_shape_mismatch_in_a_traced_op_is_a_value_error_naming_the_primitive(op, name, index):
    with pytest.raises(ValueError) as info:
        _under_each_transformation(op)[index]()
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert "broadcast" in message
    assert message.count(f"{name}:") == 1  # prefixed once, even through nested traces


def test_shape_mismatch_under_nested_transformations_is_prefixed_once():
    def f(x):
        return fnp.sum(fg.grad(lambda y: fnp.sum(y + np.ones(3)))(x))

    with pytest.raises(ValueError, match=r"^add: operands could not be broadcast"):
        fg.grad(f)(np.ones(2))


def test_untraced_shape_errors_are_numpys_own():
    with pytest.raises(ValueError, match=r"^operands could not be broadcast"):
        fnp.add(np.ones(2), np.ones(3))


# --- no internal AttributeError ------------------------------------------------------


@pytest.mark.parametrize("index", range(3), ids=TRANSFORMS)
def test_len_and_iteration_of_a_0d_tracer_are_type_errors(index):
    def scalar_body(x):
        return len(fnp.sum(x))

    with pytest.raises(TypeError, match="0-d"):
        _under_each_transformation(scalar_body)[index]()

    def iterate(x):
        return list(fnp.sum(x))

    with pytest.raises(TypeError, match="0-d"):
        _under_each_transformation(iterate)[index]()


@pytest.mark.parametrize("index", range(3), ids=TRANSFORMS)
def test_unknown_attribute_names_the_attribute(index):
    seen = {}

    def body(x):
        seen["hasattr"] = hasattr(x, "nonexistent")
        return x.nonexistent

    with pytest.raises(AttributeError) as info:
        _under_each_transformation(body)[index]()
    message = str(info.value)
    assert "'nonexistent'" in message
    assert "funcgrad.numpy" in message
    assert "Tracer' object" not in message  # not Python's internal text
    assert seen["hasattr"] is False


def test_data_dependent_python_control_flow_under_vmap_is_a_clear_type_error():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError, match=r"fnp\.where"):
        fg.vmap(f)(np.array([1.0, -1.0]))
    with pytest.raises(TypeError, match=r"fnp\.where"):
        fg.vmap(lambda x: float(x))(np.array([1.0, -1.0]))
    # under grad the values are concrete, so Python control flow works
    assert fg.grad(f)(-2.0) == -1.0


def test_a_non_array_leaf_says_to_make_it_static():
    model = {"w": np.array(1.0), "activation": fnp.tanh}
    with pytest.raises(TypeError, match=r"leaf 0 is a function.*static_field"):
        fg.grad(lambda m: m["w"] * 2.0)(model)
