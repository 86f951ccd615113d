"""The scalar graph engine: the lecture's gates and examples, and random expressions
against PyTorch."""

import math

import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib.autograd import graph
from mlplib.autograd.engine import Value

matplotlib.use("Agg")


def test_f_equals_x_plus_y_times_z():
    """The lecture's f(x, y, z) = (x + y) z at (-2, 5, -4)."""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (f.data, q.data) == (-12.0, 3.0)
    assert (f.grad, q.grad, z.grad, x.grad, y.grad) == (1.0, -4.0, 3.0, -4.0, -4.0)


def test_gates_distribute_swap_route_and_add():
    a, b = Value(3.0), Value(-2.0)
    (a + b).backward()
    assert (a.grad, b.grad) == (1.0, 1.0)  # add distributes
    (a * b).backward()
    assert (a.grad, b.grad) == (-2.0, 3.0)  # mul swaps
    m = a.max(b)
    m.backward()
    assert m.data == 3.0 and (a.grad, b.grad) == (1.0, 0.0)  # max routes
    c = a * a + a  # a is copied to three uses: the copy gate adds 3 + 3 + 1
    c.backward()
    assert a.grad == 7.0


def test_backward_resets_gradients_and_can_run_twice():
    x = Value(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 4.0


def test_sigmoid_neuron_of_the_lecture():
    """f(w, x) = sigma(w0 x0 + w1 x1 + w2) with w = (2, -3, -3), x = (-1, -2): output
    0.73, local gradient 0.2."""
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    s = w0 * x0 + w1 * x1 + w2
    out = s.sigmoid()
    out.backward()
    assert s.data == 1.0
    assert out.data == pytest.approx(0.7310585786)
    assert s.grad == pytest.approx(out.data * (1 - out.data))
    assert [w0.grad, x0.grad, w1.grad, x1.grad, w2.grad] == pytest.approx(
        [-0.196611933, 0.393223866, -0.393223866, -0.589835799, 0.196611933]
    )
    # the same neuron from primitives: 1 / (1 + exp(-s)) gives the same gradients
    w0b, x0b = Value(2.0), Value(-1.0)
    s2 = w0b * x0b + Value(-3.0) * Value(-2.0) + Value(-3.0)
    (1 / (1 + (-s2).exp())).backward()
    assert w0b.grad == pytest.approx(w0.grad, rel=1e-14) and x0b.grad == pytest.approx(
        x0.grad, rel=1e-14
    )


@pytest.mark.parametrize("z", [1e4, -1e4, 800.0, -800.0])
def test_sigmoid_and_tanh_are_stable_for_extreme_inputs(z):
    for op in ("sigmoid", "tanh", "relu"):
        x = Value(z)
        y = getattr(x, op)()
        y.backward()
        assert math.isfinite(y.data) and math.isfinite(x.grad)
    assert Value(1e4).sigmoid().data == 1.0 and Value(-1e4).sigmoid().data == 0.0


def test_derived_ops_and_constants():
    x = Value(3.0)
    for expr, value, grad in [
        (lambda: x - 1, 2.0, 1.0),
        (lambda: 1 - x, -2.0, -1.0),
        (lambda: -x, -3.0, -1.0),
        (lambda: x / 2, 1.5, 0.5),
        (lambda: 6 / x, 2.0, -6 / 9),
        (lambda: 2 * x, 6.0, 2.0),
        (lambda: 2 + x, 5.0, 1.0),
        (lambda: x**2, 9.0, 6.0),
        (lambda: x.exp(), math.exp(3), math.exp(3)),
        (lambda: x.log(), math.log(3), 1 / 3),
        (lambda: x.relu(), 3.0, 1.0),
        (lambda: (-x).relu(), 0.0, 0.0),
    ]:
        out = expr()
        out.backward()
        assert out.data == pytest.approx(value) and x.grad == pytest.approx(grad)


def test_errors_are_clear():
    with pytest.raises(TypeError, match="cannot combine a Value with str"):
        Value(1.0) + "a"
    with pytest.raises(
        TypeError, match="Value.__pow__: the exponent must be a real number"
    ):
        Value(2.0) ** Value(2.0)
    with pytest.raises(
        ValueError, match="Value.log: needs a positive number, got -1.0"
    ):
        Value(-1.0).log()
    assert repr(Value(1.5, label="w")) == "Value(w: data=1.5, grad=0)"


UNARY = ["exp_tanh", "sigmoid", "tanh", "relu", "neg", "square", "cube", "log_sigmoid"]
BINARY = ["add", "sub", "mul", "max", "div"]


def apply(op, a, b=None):
    """The same operation on Values and on torch tensors (``div`` by 1 + b^2 keeps it
    defined)."""
    if isinstance(a, Value):
        table = {
            "exp_tanh": lambda: a.tanh().exp(),
            "sigmoid": a.sigmoid,
            "tanh": a.tanh,
            "relu": a.relu,
            "neg": lambda: -a,
            "square": lambda: a**2,
            "cube": lambda: a**3,
            "log_sigmoid": lambda: a.sigmoid().log(),
            "add": lambda: a + b,
            "sub": lambda: a - b,
            "mul": lambda: a * b,
            "max": lambda: a.max(b),
            "div": lambda: a / (1 + b**2),
        }
    else:
        table = {
            "exp_tanh": lambda: torch.exp(torch.tanh(a)),
            "sigmoid": lambda: torch.sigmoid(a),
            "tanh": lambda: torch.tanh(a),
            "relu": lambda: torch.relu(a),
            "neg": lambda: -a,
            "square": lambda: a**2,
            "cube": lambda: a**3,
            "log_sigmoid": lambda: torch.log(torch.sigmoid(a)),
            "add": lambda: a + b,
            "sub": lambda: a - b,
            "mul": lambda: a * b,
            "max": lambda: torch.where(a >= b, a, b),
            "div": lambda: a / (1 + b**2),
        }
    return table[op]()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    inputs=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    program=st.lists(
        st.tuples(
            st.sampled_from(UNARY + BINARY), st.integers(0, 100), st.integers(0, 100)
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_random_expressions_equal_pytorch_autograd(inputs, program):
    """Build the same random expression (nodes reused: several paths) on Values and
    torch tensors."""
    leaves_v = [Value(v) for v in inputs]
    leaves_t = [
        torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs
    ]
    nodes_v, nodes_t = list(leaves_v), list(leaves_t)
    for op, i, j in program:
        i, j = i % len(nodes_v), j % len(nodes_v)
        if op in UNARY:
            nodes_v.append(apply(op, nodes_v[i]))
            nodes_t.append(apply(op, nodes_t[i]))
        else:
            nodes_v.append(apply(op, nodes_v[i], nodes_v[j]))
            nodes_t.append(apply(op, nodes_t[i], nodes_t[j]))
    out_v = sum(nodes_v[len(inputs) :], Value(0.0))  # every node reaches the output
    out_t = sum(nodes_t[len(inputs) :])
    out_v.backward()
    out_t.backward()
    assert out_v.data == pytest.approx(out_t.item(), rel=1e-12, abs=1e-12)
    for v, t in zip(leaves_v, leaves_t):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_graph_layout_and_drawing_show_values_and_gradients():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    pos = graph.layout(f)
    c = graph.COLUMN
    assert (
        pos[id(x)][0] == 0
        and pos[id(q)][0] == 2 * c
        and pos[id(f)][0] == 4 * c
        and pos[("op", id(f))][0] == 3 * c
    )
    assert pos[id(z)][0] == 2 * c  # an input sits next to the operation that uses it
    ax = graph.draw(f, title="f = (x + y) z")
    texts = [t.get_text() for t in ax.texts]
    assert (
        "q\n3" in texts
        and "f\n-12" in texts
        and "∇ -4" in texts
        and "∇ 3" in texts
        and "×" in texts
    )
    assert len(set(pos.values())) == len(pos)  # no two nodes on top of each other
    matplotlib.pyplot.close("all")
