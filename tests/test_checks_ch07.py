"""The exercise checks of the BLAS chapter: right answers pass, each likely mistake gets
its diagnosis, no message shows an expected value, variants differ from the book's."""

import numpy as np
import pytest
from check_helpers import message

from course.exercise import find
from mlplib import flops


def book(label):
    return find(label).inputs(None)


def test_ex1_intensities_and_the_two_pass_diagnosis():
    n = book("ch07-ex1")["n"]
    right = {"q_axpy": 2 / 3, "q_gemv": 2 * n * n / (n * n + 3 * n), "q_gemm": n / 2}
    assert message("ch07-ex1", **right) is None
    text = message("ch07-ex1", **(right | {"q_axpy": 2 / 5}))
    assert "q_axpy" in text and "two passes" in text and "0.666" not in text
    text = message("ch07-ex1", **(right | {"q_gemm": 2 * n / 3}))
    assert "C is read as well as written" in text and str(n / 2) not in text


def test_ex2_executed_flops_and_the_input_gradient_diagnosis():
    data = book("ch07-ex2")
    rows = flops.mlp_flops(data["sizes"], data["batch"])
    step = flops.step_flops(rows)
    with_dx = flops.step_flops(flops.mlp_flops(data["sizes"], data["batch"], True))
    right = {"flops_per_step": step, "skipped": with_dx - step}
    right["share"] = flops.gemm_share(rows)
    assert message("ch07-ex2", **right) is None
    text = message("ch07-ex2", **(right | {"flops_per_step": with_dx}))
    assert "gradient with respect to X" in text and f"{step}" not in text
    assert "not answered yet" in message(
        "ch07-ex2", flops_per_step=None, skipped=None, share=None
    )


def test_ex3_block_size_diagnoses_bytes_and_three_blocks():
    assert message("ch07-ex3", b=36, q=2 * 1008**3 / (58 * 1008**2)) is None
    assert "Three blocks" in message("ch07-ex3", b=64, q=1.0)
    assert "words" in message("ch07-ex3", b=104, q=1.0)


def correct(sizes, batch):
    rows = flops.mlp_flops(sizes, batch)
    return np.array([[r["forward_gemm"], r["backward_gemm"]] for r in rows], float)


def with_input_gradient(sizes, batch):
    rows = flops.mlp_flops(sizes, batch, input_grad=True)
    return np.array([[r["forward_gemm"], r["backward_gemm"]] for r in rows], float)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda sizes, batch: correct(sizes, batch) / 2, "2 m k n"),
        (lambda sizes, batch: correct(sizes, batch).T, "one row per layer"),
        (with_input_gradient, "no dX"),
    ],
)
def test_ex4_code_exercise_on_hidden_cases(wrong, hint):
    assert message("ch07-ex4", step_gemm_flops=correct) is None
    text = message("ch07-ex4", step_gemm_flops=wrong)
    assert hint in text and "expected" not in text


def test_variants_differ_from_the_book():
    from course.exercise import variant_rng

    for label in ("ch07-ex1", "ch07-ex2", "ch07-ex3"):
        ex = find(label)
        variants = [repr(ex.data(variant_rng(f"s{i}", label))) for i in range(5)]
        assert any(v != repr(book(label)) for v in variants)
