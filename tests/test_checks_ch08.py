"""The exercise checks of the data-parallel chapter: right answers pass (the book's
inputs and students' variants), every named mistake gets its own hint and no other, an
answer no mistake explains gets no mistake's hint, no message shows an expected value;
exact counts are judged exactly, and the references solve the chapter's model."""

import pytest
from check_helpers import (
    VARIANTS,
    assert_code_hints,
    assert_rule_hints,
    assert_variants_differ,
    inputs,
    message,
)

from course.checks import ch08


@pytest.mark.parametrize("label", ["ch08-ex1", "ch08-ex2", "ch08-ex4"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


def test_code_exercise_names_each_mistake_and_only_it():
    assert_code_hints("ch08-ex3")


def test_ex2_bits_are_not_taken_for_whole_vectors():
    d = inputs("ch08-ex2")
    right = ch08.ex2_mistake(d)
    text = message("ch08-ex2", **(right | {"bytes_sent": 8 * right["bytes_sent"]}))
    assert "bits" in text and "chunk" not in text


def test_ex2_parameter_count_is_exact():
    right = ch08.ex2_mistake(inputs("ch08-ex2"))
    text = message("ch08-ex2", **(right | {"n_params": right["n_params"] - 1}))
    assert text.startswith("n_params is not the exact count")


@pytest.mark.parametrize("variant", VARIANTS)
def test_ex4_the_root_solves_the_ring_model_and_p_min_is_the_first_whole_p(variant):
    d = inputs("ch08-ex4", variant)
    right = ch08.ex4_mistake(d)
    assert ch08.ring_time(d, right["p_star"]) == pytest.approx(d["T_c"], rel=1e-9)
    assert ch08.ring_time(d, right["p_min"]) >= d["T_c"]
    assert ch08.ring_time(d, right["p_min"] - 1) < d["T_c"]


def test_ex1_a_permutation_of_the_right_values_is_named():
    right = ch08.ex1_mistake(inputs("ch08-ex1"))
    text = message("ch08-ex1", **(right | {"finished": right["finished"][::-1]}))
    assert "not in rank order" in text


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch08-ex1", "ch08-ex2", "ch08-ex4"])
