"""The exercise checks of the BLAS chapter: right answers pass (the book's inputs and
students' variants), every named mistake gets its own hint and no other, an answer no
mistake explains gets no mistake's hint, no message shows an expected value."""

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

from course.checks import ch07
from mlplib.perf import flops


@pytest.mark.parametrize("label", ["ch07-ex1", "ch07-ex2", "ch07-ex3"])
def test_numeric_exercises_name_each_mistake_and_only_it(label):
    assert_rule_hints(label)


def test_code_exercise_names_each_mistake_and_only_it():
    assert_code_hints("ch07-ex4")


def test_ex1_is_in_flops_per_byte():
    d = inputs("ch07-ex1")
    n, size = d["n"], d["itemsize"]
    right = {
        "q_axpy": 2 / 3 / size,
        "q_gemv": 2 * n * n / (n * n + 3 * n) / size,
        "q_gemm": n / 2 / size,
    }
    assert message("ch07-ex1", **right) is None
    per_word = {k: v * size for k, v in right.items()}
    assert "per word" in message("ch07-ex1", **per_word)


def test_ex4_an_all_zero_answer_is_not_told_about_two_products():
    text = message(
        "ch07-ex4", step_gemm_flops=lambda sizes, batch: np.zeros((len(sizes) - 1, 2))
    )
    assert text.startswith("the output of step_gemm_flops")
    assert not any(h in text for h in ch07.EX4.hints.values())


def test_ex3_block_size_is_an_exact_count():
    d = inputs("ch07-ex3")
    right = ch07.ex3_mistake(d)
    assert "not the exact count" in message(
        "ch07-ex3", **(right | {"b": right["b"] + 0.4})
    )


def test_the_skipped_product_is_the_first_layers_dx():
    d = inputs("ch07-ex2")
    rows = flops.mlp_flops(d["sizes"], d["batch"])
    n_in, n_out = rows[0]["n_in"], rows[0]["n_out"]
    assert ch07.ex2_mistake(d)["skipped"] == 2 * d["batch"] * n_in * n_out


def test_variants_differ_from_the_book():
    assert_variants_differ(["ch07-ex1", "ch07-ex2", "ch07-ex3"])


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch07")
