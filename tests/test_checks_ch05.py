"""The exercise checks of the MNIST chapter: right answers pass (the book's inputs and
students' variants), every named mistake gets its own hint and no other, an answer no
mistake explains gets no mistake's hint, no message shows an expected value; a float32
answer passes where the statement does not ask for float64, and counts are exact."""

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

from course.checks import ch05
from mlplib import training


@pytest.mark.parametrize("label", ["ch05-ex1", "ch05-ex2"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


def test_ex5_names_each_mistake_on_the_book():
    assert_rule_hints("ch05-ex5", variants=[None])  # each variant trains 3 models


def test_code_exercise_names_each_mistake_and_only_it():
    assert_code_hints("ch05-ex4")


def test_ex1_a_float32_image_passes():
    d = inputs("ch05-ex1")
    right = ch05.ex1_mistake(d)
    x32 = np.asarray(d["image"], dtype=np.float32).reshape(784) / np.float32(255)
    assert message("ch05-ex1", T=right["T"].astype(np.float32), x=x32) is None


def test_ex1_shapes_are_named():
    right = ch05.ex1_mistake(inputs("ch05-ex1"))
    assert "transposed" in message("ch05-ex1", **(right | {"T": right["T"].T}))
    image = np.asarray(inputs("ch05-ex1")["image"]) / 255
    assert "28 × 28" in message("ch05-ex1", **(right | {"x": image}))


def test_ex2_counts_are_exact():
    right = ch05.ex2_mistake(inputs("ch05-ex2"))
    for name in right:
        text = message("ch05-ex2", **(right | {name: right[name] + 1}))
        assert text.startswith(f"{name} is not the exact count"), text


def test_ex4_precision_recall_agrees_with_mlplibs_accuracy():
    case = ch05.ex4_cases(np.random.default_rng(5))
    precision, recall = ch05.precision_recall(**case)
    counts = np.bincount(case["t"], minlength=len(recall))
    hits = (recall * counts).sum()
    accuracy = training.accuracy(case["Y"], case["t"])
    assert hits / len(case["t"]) == pytest.approx(accuracy)
    assert np.all(precision >= 0) and np.any(precision == 0)


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch05-ex1", "ch05-ex2", "ch05-ex5"])


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch05")
