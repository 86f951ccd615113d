"""The exercise checks of the data-parallel chapter: right answers pass (the book's
inputs and students' variants), every named mistake gets its own hint and no other, an
answer no mistake explains gets no mistake's hint, no message shows an expected value;
exact counts are judged exactly, and the references solve the chapter's model."""

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


def test_the_chapter_prints_no_default_answer_outside_its_solutions():
    assert_no_default_answer_printed("ch08")


def test_the_leak_detector_reads_printed_formats_and_skips_solutions(tmp_path):
    import nbformat
    from check_helpers import printed_defaults

    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell(
        "n",
        outputs=[nbformat.v4.new_output("stream", text="104,938")],
        metadata={"tags": ["solution"]},
    )
    nb.cells = [solution]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert printed_defaults("ch08", path) == []  # inside a solution: allowed
    for printed in ("104,938 parameters", "n = 104938", "a ring of 104938."):
        nb.cells = [
            nbformat.v4.new_code_cell(
                "n", outputs=[nbformat.v4.new_output("stream", text=printed)]
            )
        ]
        nbformat.write(nb, path)
        assert ("ch08-ex2", "n_params", 104938.0, 0) in printed_defaults("ch08", path)
    p_star = ch08.ex4_mistake(inputs("ch08-ex4"))["p_star"]
    for text, caught in (
        (f"{p_star:.4g}", True),
        (f"{p_star:.6f}", True),
        (f"{p_star:.2g}", False),
    ):
        nb.cells = [
            nbformat.v4.new_code_cell(
                "x", outputs=[nbformat.v4.new_output("stream", text=text)]
            )
        ]
        nbformat.write(nb, path)
        hits = [h for h in printed_defaults("ch08", path) if h[1] == "p_star"]
        assert bool(hits) == caught, text
