"""The code the book prints is the math; every module and function stays readable.

- Each function a chapter prints (``PRINTED``, the list in ``/work/coord/LIB_API.md``'s
  table) holds no input checks (no ``raise``, ``assert`` or validator call) and fits on
  one screen (at most ``MAX_PRINTED_LINES`` lines, its docstring included).
- ``fit`` is a short loop (at most 40 lines) over named steps.
- No module of ``mlplib/`` is over 250 lines, no function over 40.
- One home per rule: each rule below is written once in ``mlplib/``.
"""

import ast
import inspect
import pathlib
import re
import textwrap

import pytest

from mlplib import (
    activations,
    blocked,
    data,
    engine,
    gradcheck,
    layers,
    losses,
    optim,
    perceptron,
    schedules,
    train,
)
from mlplib.layers import Dense
from mlplib.model import Sequential

LIB = pathlib.Path(__file__).resolve().parents[1] / "mlplib"
MAX_PRINTED_LINES = 17
MAX_MODULE_LINES = 250
MAX_FUNCTION_LINES = 40

PRINTED = [
    # Chapter 1: activations and the perceptron rule
    *(
        getattr(cls, method)
        for cls in (
            activations.Identity,
            activations.HardLim,
            activations.HardLimS,
            activations.Sigmoid,
            activations.Tanh,
            activations.ReLU,
            activations.LeakyReLU,
        )
        for method in ("f", "derivative")
    ),
    activations.Softmax.f,
    activations.Softmax.backward,
    activations.Activation.backward,
    perceptron.perceptron_rule,
    # Chapter 2: forward
    layers.dense_forward,
    Dense.call,
    Sequential.call,
    # Chapter 3: backward, losses, the computational graph, gradient checking
    layers.dense_backward,
    Dense.call_backward_Z,
    Sequential.call_backward,
    Sequential.call_gradients,
    losses.mean_squared_error,
    losses.mean_squared_error_gradient,
    losses.half_sum_squared_error,
    losses.half_sum_squared_error_gradient,
    losses.sigmoid_cross_entropy,
    losses.sigmoid_cross_entropy_gradient,
    losses.softmax_cross_entropy,
    losses.softmax_cross_entropy_gradient,
    engine.Value.__mul__,
    engine.Value.backward,
    gradcheck.relative_error,
    # Chapter 4: optimizers, mini-batches, schedules
    optim.GradientDescent.update_step,
    optim.SGD.update_step,
    optim.Adagrad.update_step,
    optim.RMSprop.update_step,
    optim.Adam.update_step,
    optim.Adam.epsilon_hat_step,
    optim.SGD.buffer_step,
    optim.AdamW.update_step,
    optim.Nadam.update_step,
    data.minibatches,
    schedules.ReduceLROnPlateau.update,
    # Chapter 7: matrix multiply by hand
    blocked.naive_matmul,
    blocked.blocked_matmul,
]

VALIDATOR = re.compile(r"^_?(check|checked|require|validate)")


def _definition(f):
    """The ``def`` node of ``f`` (decorators unwrapped, as ``inspect.getsource``)."""
    source = textwrap.dedent(inspect.getsource(f))
    return ast.parse(source).body[0], source


def _called_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize("f", PRINTED, ids=lambda f: f.__qualname__)
def test_printed_function_is_the_math(f):
    node, source = _definition(f)
    body = ast.Module(
        body=node.body, type_ignores=[]
    )  # decorators are not printed math
    checks = [
        type(n).__name__
        for n in ast.walk(body)
        if isinstance(n, (ast.Raise, ast.Assert))
    ]
    calls = [_called_name(n) for n in ast.walk(body) if isinstance(n, ast.Call)]
    validators = [name for name in calls if VALIDATOR.match(name)]
    assert not checks and not validators, (
        f"{f.__qualname__} checks its input: {checks + validators}"
    )
    n_lines = node.end_lineno - node.lineno + 1
    assert n_lines <= MAX_PRINTED_LINES, (
        f"{f.__qualname__} has {n_lines} lines:\n{source}"
    )


def test_the_test_catches_a_check():
    def with_check(x):
        if x < 0:
            raise ValueError("x must be >= 0")
        return x

    with pytest.raises(AssertionError, match="checks its input"):
        test_printed_function_is_the_math(with_check)


def test_fit_is_a_short_loop_over_named_steps():
    node, source = _definition(train.fit)
    assert node.end_lineno - node.lineno + 1 <= MAX_FUNCTION_LINES, source
    calls = {_called_name(n) for n in ast.walk(node) if isinstance(n, ast.Call)}
    for step in ("minibatches", "train_step", "_epoch_logs", "end_epoch", "_check_fit"):
        assert step in calls, f"fit does not call {step}"
    loop = next(
        n
        for n in ast.walk(node)
        if isinstance(n, ast.For) and isinstance(n.target, ast.Tuple)
    )
    per_step = {_called_name(n) for n in ast.walk(loop) if isinstance(n, ast.Call)}
    assert not {name for name in per_step if VALIDATOR.match(name)}, per_step


def _modules():
    """Every module of ``mlplib/``, packages' modules included."""
    return sorted(LIB.rglob("*.py"))


def _name(path):
    """``"layers.py"``, ``"distributed/shards.py"``: the path inside ``mlplib/``."""
    return path.relative_to(LIB).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_module_and_function_sizes(path):
    source = path.read_text()
    n = len(source.splitlines())
    assert n <= MAX_MODULE_LINES, (
        f"{_name(path)} has {n} lines (at most {MAX_MODULE_LINES})"
    )
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def _occurrences(pattern):
    regex = re.compile(pattern)
    return [
        f"{_name(p)}:{i}"
        for p in _modules()
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if regex.search(line)
    ]


@pytest.mark.parametrize(
    "rule, pattern, expected",
    [
        (
            "the fused softmax + cross-entropy gradient",
            r"softmax\(Z\) - T",
            ["losses.py"],
        ),
        ("one-hot encoding", r"\[\s*np\.arange\(.*\),\s*\w+\]\s*=\s*1", ["data.py"]),
        (
            "the bool policy (bool is not a number)",
            r"isinstance\(\w+, bool\)",
            ["errors.py"],
        ),
        (
            "the gradient-descent update",
            r"w -= self\.lr \* g$",
            ["optim/gradient_descent.py"],
        ),
        (
            "an integer type check",
            r"isinstance\(\w+, \(int, np\.integer\)\)",
            ["errors.py"],
        ),
        ("finite-number checks", r"isfinite\(", ["errors.py"]),
        ("the ✔/✘ verdict format", r"[✔✘]", []),
        ("messages raised as KeyError (printed in quotes)", r"raise KeyError", []),
        ("slicing a function's source text", r"getsource\(", []),
    ],
)
def test_one_home_per_rule(rule, pattern, expected):
    owned_elsewhere = {
        "flops.py",
        "hardware.py",
        "measure.py",
        "timing.py",
    }
    found = [
        hit for hit in _occurrences(pattern) if hit.split(":")[0] not in owned_elsewhere
    ]
    files = sorted({hit.split(":")[0] for hit in found})
    assert files == expected, f"{rule}: written in {found}"
    if rule.startswith("the fused") or rule.startswith("one-hot"):
        assert len(found) == 1, f"{rule}: written {len(found)} times: {found}"
