"""The exercise checks of the backpropagation chapter: right answers pass (the book's
inputs and students' variants), every named mistake gets its own hint and no other, an
answer no mistake explains gets no mistake's hint, no message shows an expected value;
the written-out backward pass agrees with mlplib's."""

import numpy as np
import pytest
from check_helpers import (
    VARIANTS,
    assert_code_hints,
    assert_no_default_answer_printed,
    assert_rule_hints,
    assert_variants_differ,
    inputs,
    message,
)

from course.checks import ch03


@pytest.mark.parametrize("label", ["ch03-ex1", "ch03-ex2", "ch03-ex3", "ch03-ex7"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


@pytest.mark.parametrize("label", ["ch03-ex4", "ch03-ex5"])
def test_code_exercises_name_each_mistake_and_only_it(label):
    assert_code_hints(label)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_written_out_backward_pass_is_mlplibs_with_a_tanh_derivative(variant):
    d = inputs("ch03-ex3", variant)
    A1 = np.tanh(np.asarray(d["X"]) @ d["W1"] + d["b1"])
    by_hand = ch03.ex3_by_hand(d, "none")  # dZ1 = dA1; times tanh' gives mlplib's
    X, W2 = np.asarray(d["X"], float), np.asarray(d["W2"], float)
    dZ2 = 2 * (A1 @ W2 + d["b2"] - np.asarray(d["T"])) / np.size(d["T"])
    np.testing.assert_allclose(by_hand["dE_dW2"], ch03.ex3_mistake(d)["dE_dW2"])
    dZ1 = (dZ2 @ W2.T) * (1 - A1**2)
    np.testing.assert_allclose(X.T @ dZ1, ch03.ex3_mistake(d)["dE_dW1"], rtol=1e-12)


def test_a_mistake_in_one_quantity_is_not_blamed_on_another():
    d = inputs("ch03-ex1")
    right = ch03.ex1_mistake(d)
    text = message("ch03-ex1", **(right | {"grad_w1": -right["grad_w1"]}))
    assert text.startswith("grad_w1 ") and "Sign" not in text  # w2 and b are right
    twice = {k: 2 * v for k, v in right.items()}  # all three doubled: the factor 1/2
    assert "factor 1/2" in message("ch03-ex1", **twice)


def test_a_transposed_or_unsummed_gradient_is_named():
    d = inputs("ch03-ex3")
    right = ch03.ex3_mistake(d)
    assert "Transposed" in message(
        "ch03-ex3", **(right | {"dE_dW1": right["dE_dW1"].T})
    )
    assert "Sum delta" in message(
        "ch03-ex3", **(right | ch03.ex3_mistake(d, "bias not summed"))
    )
    assert "tuple" in message("ch03-ex4", sigmoid_layer_backward=lambda **c: c["X"])

    def unstable(Z, T):
        return np.exp(Z) / np.exp(Z).sum(1, keepdims=True) - T

    with np.errstate(all="ignore"):
        text = message("ch03-ex5", softmax_ce_gradient=unstable)
    assert "overflowed" in text


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch03-ex1", "ch03-ex2", "ch03-ex3", "ch03-ex7"])


def test_the_softmax_exercise_equals_pytorch():
    """The 10-weight softmax network of ch03-ex7: loss and one SGD step, PyTorch."""
    import torch

    d = ch03.ex7_data(None)
    E, _, _, new = ch03.ex7_step(**d)
    names = {"0.W": "W1", "0.b": "b1", "1.W": "W2", "1.b": "b2"}
    Wt = {k: torch.tensor(d[v], requires_grad=True) for k, v in names.items()}
    h = torch.sigmoid(torch.tensor(d["x"]) @ Wt["0.W"] + Wt["0.b"])
    Z = h @ Wt["1.W"] + Wt["1.b"]
    loss = torch.nn.CrossEntropyLoss()(Z, torch.tensor(d["t"]))
    loss.backward()
    assert E == pytest.approx(loss.item(), rel=1e-13)
    for k in names:
        expected = (Wt[k] - d["lr"] * Wt[k].grad).detach().numpy()
        np.testing.assert_allclose(new[k], expected, rtol=1e-12)


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch03")
