"""The exercise checks of the optimizers chapter: right answers pass (the book's inputs
and students' variants), every named mistake gets its own hint and no other, an answer
no mistake explains gets the general hint, no message shows an expected value; the
references are mlplib's optimizers, and the written-out Adam agrees with them."""

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

from course.checks import ch04, optimizers
from course.exercise import find, variant_rng
from mlplib import optim


@pytest.mark.parametrize("label", ["ch04-ex1", "ch04-ex2", "ch04-ex3"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


@pytest.mark.parametrize("label", ["ch04-ex4", "ch04-ex5"])
def test_code_exercises_name_each_mistake_and_only_it(label):
    assert_code_hints(label)


def diverges(h, lr, steps=400):
    theta = np.ones(2)
    opt = optim.GradientDescent({"theta": theta}, lr=lr)
    for _ in range(steps):
        opt.step({"theta": np.asarray(h) * theta})
    return bool(np.abs(theta).max() > 1.0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_ex1_the_limit_is_where_mlplib_starts_to_diverge(variant):
    d = inputs("ch04-ex1", variant)
    lr_max = ch04.ex1_answer(d)["lr_max"]
    assert not diverges(d["c"], 0.99 * lr_max) and diverges(d["c"], 1.01 * lr_max)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_written_out_adam_is_mlplibs(variant):
    d = inputs("ch04-ex3", variant)
    hyper = {k: d[k] for k in ("lr", "beta_1", "beta_2", "eps")}
    by_hand = optimizers.adam_formula(d["theta0"], d["grads"], 0.0, 0.0, 0, **hyper)
    assert by_hand[0] == pytest.approx(ch04.ex3_mistake(d)["theta_adam"], rel=1e-12)
    case = find("ch04-ex5").cases(variant_rng(variant or "book", "ch04-ex5"))
    keys = ("lr", "beta_1", "beta_2", "eps")
    theta, m, s = optimizers.adam_formula(
        case["theta"],
        [case["g"]],
        case["m"],
        case["s"],
        case["t"] - 1,
        **{k: case[k] for k in keys},
    )
    for got, exp in zip((theta, m, s), ch04.adam_step(**case)):
        np.testing.assert_allclose(got, exp, rtol=1e-12)


def test_ex3_right_moments_with_a_wrong_weight_never_hear_the_betas_were_swapped():
    d = inputs("ch04-ex3")
    right = ch04.ex3_mistake(d)
    for theta in (right["theta_adam"] + 0.01, right["theta_adam"] * 1.37):
        text = message("ch04-ex3", **(right | {"theta_adam": theta}))
        assert text.startswith("theta_adam ") and "swapped" not in text
    eps_inside = ch04.ex3_mistake(d, "eps inside")
    text = message("ch04-ex3", **(right | {"theta_adam": eps_inside["theta_adam"]}))
    assert "outside the root" in text


@pytest.mark.parametrize(
    "mistake, hint",
    [
        ("t + 1", "next step's t + 1"),
        ("t - 1", "previous step's t - 1"),
        ("Keras", "Keras's form"),
        ("eps inside", "outside the root"),
    ],
)
def test_ex5_step_counter_and_keras_mistakes_get_their_own_hint(mistake, hint):
    def adam_step(**case):
        case["t"] = max(case["t"], 2)
        return ch04.adam_step(**case, mistake=mistake)

    text = message("ch04-ex5", adam_step=adam_step)
    assert hint in text
    others = {"next step's", "previous step's", "Keras's form", "outside the root"}
    assert not any(o in text for o in others - {hint.split(" t")[0], hint})


def test_a_wrong_shape_or_type_is_named():
    assert "(theta_new, v_new)" in message(
        "ch04-ex4", momentum_step=lambda **c: c["theta"]
    )
    assert "(theta_new, m_new, s_new)" in message(
        "ch04-ex5", adam_step=lambda **c: (c["theta"],)
    )


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch04-ex1", "ch04-ex2", "ch04-ex3"])


def test_ex4_a_momentum_step_that_changes_its_inputs_is_wrong():
    def momentum_step(theta, g, v, lr, mu):
        v *= mu
        v -= lr * g
        theta += v
        return theta, v

    text = message("ch04-ex4", momentum_step=momentum_step)
    assert "in place" in text and "theta" in text


def test_the_code_exercises_forbid_the_routine_they_ask_for():
    assert find("ch04-ex4").forbids == ("mlplib.optim.SGD",)
    assert find("ch04-ex5").forbids == ("mlplib.optim.Adam",)


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch04")
