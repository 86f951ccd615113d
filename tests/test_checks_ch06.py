"""The exercise checks of the chapter on training deep networks: right answers pass
(the book's inputs and students' variants), every named mistake gets its own hint and no
other, an answer no mistake explains gets the general hint, no message shows an expected
value; the references agree with mlplib's layers and with PyTorch."""

import math

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

from course.checks import ch06
from course.exercise import find, variant_rng
from mlplib.batchnorm import BatchNorm
from mlplib.dropout import Dropout


@pytest.mark.parametrize("label", ["ch06-ex1", "ch06-ex2", "ch06-ex4"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


@pytest.mark.parametrize("label", ["ch06-ex3", "ch06-ex5"])
def test_code_exercises_name_each_mistake_and_only_it(label):
    assert_code_hints(label)


@pytest.mark.parametrize("variant", VARIANTS)
def test_ex1_L_min_is_the_first_depth_below_the_target(variant):
    d = inputs("ch06-ex1", variant)
    answer = ch06.ex1_mistake(d)
    factor = abs(d["w"]) / 4
    assert answer["bound"] == pytest.approx(factor ** (d["L"] - 1), rel=1e-12)
    L = answer["L_min"]
    assert factor ** (L - 1) < 10 ** -d["k"] <= factor ** (L - 2)


@pytest.mark.parametrize("variant", VARIANTS)
def test_ex2_the_variance_keeps_the_second_moment_of_a_leaky_relu_layer(variant):
    d = inputs("ch06-ex2", variant)
    var_w = ch06.ex2_mistake(d)["var_w"]
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4000, d["n_in"]))
    A = np.where(Z > 0, Z, d["nu"] * Z)
    W = rng.normal(0.0, math.sqrt(var_w), (d["n_in"], 200))
    assert np.mean((A @ W) ** 2) == pytest.approx(np.mean(Z**2), rel=0.05)


@pytest.mark.parametrize("variant", VARIANTS)
def test_ex4_the_rule_stops_before_the_late_minimum(variant):
    d = inputs("ch06-ex4", variant)
    stop, best = ch06.early_stop(d["val_loss"], d["patience"])
    assert stop - best == d["patience"] and stop < len(d["val_loss"])
    assert min(d["val_loss"][stop:]) < min(d["val_loss"][:stop])  # never seen


def test_ex4_the_chapters_callback_follows_the_same_rule():
    d = inputs("ch06-ex4")
    best_loss, best, stop = math.inf, 0, None
    for epoch, loss in enumerate(d["val_loss"], start=1):
        if loss < best_loss:
            best_loss, best = loss, epoch
        elif epoch - best >= d["patience"]:
            stop = epoch
            break
    assert (stop, best) == ch06.early_stop(d["val_loss"], d["patience"])
    text = message(
        "ch06-ex4", stop_epoch=stop, best_epoch=int(np.argmin(d["val_loss"])) + 1
    )
    assert "one epoch at a time" in text


def test_ex3_reference_is_the_layer_with_its_mask():
    case = find("ch06-ex3").cases(variant_rng("book", "ch06-ex3"))
    A, dX = ch06.dropout_step(**case)
    layer = Dropout(case["r"])
    layer.forward(case["X"])  # draws its own mask; replace it with the case's
    layer.M = case["M"]
    assert np.allclose(layer.backward(case["dA"]), dX)
    assert np.allclose(A, case["X"] * case["M"] / (1 - case["r"]))


def test_ex5_reference_matches_pytorch():
    import torch

    case = find("ch06-ex5").cases(variant_rng("book", "ch06-ex5"))
    n = case["Z"].shape[1]
    bn = torch.nn.BatchNorm1d(n, eps=case["eps"], dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(case["gamma"]))
    Z = torch.from_numpy(case["Z"]).requires_grad_()
    bn(Z).backward(torch.from_numpy(case["dZ_tilde"]))
    dZ, dgamma, dbeta = ch06.bn_backward(**case)
    assert np.allclose(dZ, Z.grad.numpy(), atol=1e-12)
    assert np.allclose(dgamma, bn.weight.grad.numpy(), atol=1e-12)
    assert np.allclose(dbeta, bn.bias.grad.numpy(), atol=1e-12)
    ours = BatchNorm(n, eps=case["eps"], dtype=np.float64)
    ours.gamma[...] = case["gamma"]
    ours.forward(case["Z"])
    assert np.allclose(ours.backward(case["dZ_tilde"]), dZ, atol=1e-12)


def test_code_answers_that_change_their_inputs_are_told_so():
    def in_place(X, M, r, dA):
        X *= M / (1 - r)
        dA *= M / (1 - r)
        return X, dA

    text = message("ch06-ex3", dropout_step=in_place)
    assert text is not None and "in place" in text


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch06-ex1", "ch06-ex2", "ch06-ex4"])


def test_the_written_exercise_has_a_rubric():
    ex = find("ch06-ex6")
    assert ex.kind == "written" and "dE/db = 0" in ex.rubric


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch06")
