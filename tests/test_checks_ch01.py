"""The exercise checks of the perceptron chapter: right answers pass (the book's inputs
and students' variants), every named mistake gets its own hint and no other, an answer
no mistake explains gets no mistake's hint, no message shows an expected value,
variants differ from the book's."""

import numpy as np
import pytest
from check_helpers import (
    assert_code_hints,
    assert_no_default_answer_printed,
    assert_rule_hints,
    assert_variants_differ,
    inputs,
    message,
)

from course.exercise import find
from mlplib import activations
from mlplib.perceptron import Perceptron, perceptron_rule

VARIANTS = [None, "s1", "s2", "s3", "s4"]


def shown(values):
    """How an expected value could appear in a message."""
    return [f"{v:.4f}" for v in np.ravel(values)] + [f"{v:g}" for v in np.ravel(values)]


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_ex1_right_answer_passes_and_mistakes_are_named(variant):
    d = inputs("ch01-ex1", variant)
    z = d["x"] @ d["W"] + d["b"]
    y = activations.sigmoid(z)
    four_figures = [float(f"{v:.4g}") for v in y]
    assert message("ch01-ex1", y=four_figures) is None
    text = message("ch01-ex1", y=z)
    assert "apply the sigmoid" in text
    assert not any(s in text for s in shown(y))
    if not np.allclose(d["W"], d["W"].T):
        text = message("ch01-ex1", y=activations.sigmoid(d["x"] @ d["W"].T + d["b"]))
        assert "transposed" in text
    if np.any(d["b"] != 0):
        assert "bias" in message("ch01-ex1", y=activations.sigmoid(d["x"] @ d["W"]))
    assert message("ch01-ex1", y=None) == "not answered yet"


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_ex2_the_example_lies_on_the_line_and_hardlim_0_is_diagnosed(variant):
    d = inputs("ch01-ex2", variant)
    assert d["w"] @ d["x"] + d["b"] == 0
    w_new, b_new, _ = perceptron_rule(d["w"], d["b"], d["x"], d["t"], d["eta"])
    assert message("ch01-ex2", w_new=w_new, b_new=b_new) is None
    text = message("ch01-ex2", w_new=d["w"], b_new=d["b"])  # took hardlim(0) = 0
    assert "hardlim(0)" in text
    text = message("ch01-ex2", w_new=d["w"] + d["eta"] * d["x"], b_new=b_new)
    assert "Wrong direction" in text
    text = message("ch01-ex2", w_new=w_new, b_new=d["b"])
    assert "bias moves too" in text
    assert not any(s in text for s in shown(b_new))


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_ex3_any_perceptron_for_the_gate_passes(variant):
    d = inputs("ch01-ex3", variant)
    p = Perceptron(2).fit(d["inputs"], d["targets"])
    assert p.converged
    assert message("ch01-ex3", w=p.W, b=p.b) is None
    assert message("ch01-ex3", w=10 * p.W, b=10 * p.b + 1e-3) is None


def test_ex3_a_point_on_the_line_is_diagnosed_as_the_hardlim_convention():
    assert inputs("ch01-ex3")["gate"] == "x1 AND NOT x2"
    text = message("ch01-ex3", w=[1.0, -1.0], b=0.0)  # (0, 0) and (1, 1) on the line
    assert "exactly 0" in text and "hardlim(0) = 1" in text
    assert message("ch01-ex3", w=[1.0, -1.0], b=-0.5) is None
    assert "shape" in message("ch01-ex3", w=[1.0, -1.0, 0.0], b=-0.5)


def epoch(w, b, X, T, eta, strict=False, batch=False):
    n_errors = 0
    y_all = (X @ w + b > 0) if strict else (X @ w + b >= 0)
    for i, (x, t) in enumerate(zip(X, T)):
        z = x @ w + b
        y = float(y_all[i] if batch else (z > 0 if strict else z >= 0))
        w, b = w + eta * (t - y) * x, b + eta * (t - y)
        n_errors += int(t != y)
    return w, b, n_errors


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda w, b, X, T, eta: epoch(w, b, X, T, eta, strict=True), "z >= 0"),
        (lambda w, b, X, T, eta: epoch(w, b, X, T, eta, batch=True), "each y"),
        (lambda w, b, X, T, eta: epoch(w, b, X, T, eta)[:2] + (0,), "count"),
    ],
)
def test_ex4_code_exercise_on_hidden_cases(wrong, hint):
    assert message("ch01-ex4", train_epoch=epoch) is None
    text = message("ch01-ex4", train_epoch=wrong)
    assert hint in text and "expected" not in text


def test_ex4_cases_reach_a_pre_activation_of_zero():
    ex = find("ch01-ex4")
    rng = np.random.default_rng(0)
    zeros = 0
    for case in ex.make_cases(rng) * 4:
        w, b = case["w"], case["b"]
        for x, t in zip(case["X"], case["T"]):
            zeros += int(x @ w + b == 0)
            w, b, _ = perceptron_rule(w, b, x, t, case["eta"])
    assert zeros > 0


def test_ex5_xor_network_passes_and_a_wrong_one_names_the_inputs():
    right = {"W1": [[1, -1], [1, -1]], "b1": [-0.5, 1.5], "w2": [1, 1], "b2": -1.5}
    assert message("ch01-ex5", **right) is None
    text = message("ch01-ex5", **(right | {"b2": -0.5}))
    assert "(0, 0)" in text and "(1, 1)" in text


@pytest.mark.parametrize("label", ["ch01-ex1", "ch01-ex2"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


def test_code_exercise_names_each_mistake_and_only_it():
    assert_code_hints("ch01-ex4")


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch01-ex1", "ch01-ex2", "ch01-ex3"])


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch01")
