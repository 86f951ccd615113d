"""The check API and the grader's parts that need no kernel: tolerances, verdict lines,
plain-data export, reading exports, pre-checks, assessment mode."""

import pathlib
import sys

import nbformat
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "fixtures" / "instructor"), str(ROOT / "tools")]
import fixture_checks  # noqa: E402, F401  (registers course.checks.ch99)

from course import check, exercise_data, use_variant  # noqa: E402
from course.exercise import Feedback, exercises, find, variant_rng  # noqa: E402
from course.grading.grader import Settings  # noqa: E402
from course.grading.prepare import GRADER_TAG, course_metadata, prechecks  # noqa: E402
from course.grading.scoring import exported, score  # noqa: E402
from course.kit import plain  # noqa: E402
from course.kit.harvest import MIME  # noqa: E402
from course.verdict import expect_code, expect_hand  # noqa: E402


@pytest.fixture(autouse=True)
def book_variant():
    use_variant(None)
    yield
    use_variant(None)


@pytest.mark.parametrize("got", [1.235e-3, 1.2346e-3, 1.23456e-3, 1.2345e-3])
def test_expect_hand_accepts_four_significant_figures(got):
    expect_hand("a", got, 1.234567e-3)


@pytest.mark.parametrize("got", [1.236e-3, 1.23e-3, -1.2346e-3, 1.2346])
def test_expect_hand_rejects_other_answers_without_the_value(got):
    with pytest.raises(Feedback) as info:
        expect_hand("a", got, 1.234567e-3)
    assert "1.23" not in str(info.value) and "expected" not in str(info.value)


def test_expect_code_holds_to_1e8_and_names_shape_and_count():
    expect_code("y", np.array([1.0 + 5e-9, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(Feedback, match=r"y is not correct to 1e-8 \(1 of 2 entries\)"):
        expect_code("y", np.array([1.0 + 2e-8, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(Feedback, match=r"shape \(3,\)"):
        expect_code("y", np.zeros(3), np.zeros(2))


def test_check_prints_one_verdict_line(capsys):
    check("ch99-ex1", s=None)
    check("ch99-ex1", s=5.0)
    check("ch99-ex1", s=3.0)
    check("ch99-ex2", double=lambda v: 3 * v)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✘ ch99-ex1: not answered yet"
    assert lines[1] == "✔ ch99-ex1: correct"
    assert lines[2].startswith("✘ ch99-ex1: s is not correct to 4 significant figures.")
    assert "Square each entry" in lines[2] and "5" not in lines[2]
    assert lines[3].startswith("✘ ch99-ex2: the output of double is not correct")


def test_exercise_data_gives_the_book_or_the_students_inputs():
    book = exercise_data("ch99-ex1")["x"]
    assert book.tolist() == [0.0, 1.0, 2.0]
    use_variant("ada")
    ada = exercise_data("ch99-ex1")["x"]
    use_variant("bo")
    assert (
        ada.tolist() != book.tolist()
        and ada.tolist() != exercise_data("ch99-ex1")["x"].tolist()
    )


def test_plain_round_trip_and_refusals():
    value = {"W": np.eye(2), "pair": (1.5, np.arange(3)), "names": ["a", 2], "n": None}
    back = plain.loads(plain.dumps(value))
    assert np.array_equal(back["W"], np.eye(2)) and back["pair"][0] == 1.5
    assert back["names"] == ["a", 2] and back["n"] is None
    assert isinstance(plain.loads(plain.dumps(lambda: 1)), plain.Unsupported)
    for bad in ["not json", '{"tree": 1}', None]:
        with pytest.raises(ValueError):
            plain.loads(bad)


def export_output(payload):
    return nbformat.v4.new_output("display_data", data={MIME: plain.dumps(payload)})


def executed_with(*cells):
    nb = nbformat.v4.new_notebook()
    for tag, payload in cells:
        cell = nbformat.v4.new_code_cell("", metadata={"tags": [tag]})
        cell.outputs = [export_output(payload)]
        nb.cells.append(cell)
    return nb


def test_only_grader_cells_count_and_assessment_drops_hints():
    forged = {"label": "ch99-ex1", "answers": {"s": 5.0}}
    real = {"label": "ch99-ex1", "answers": {"s": 3.0}}
    nb = executed_with(("answer", forged), (GRADER_TAG, real))
    assert exported(nb)["ch99-ex1"]["answers"]["s"] == 3.0
    exs = {"ch99-ex1": find("ch99-ex1")}
    for assessment, hint in ((False, True), (True, False)):
        marks, feedback = score(
            nb, exs, set(), None, {}, "complete", Settings(assessment=assessment)
        )
        assert marks == {"ch99-ex1": 0}
        assert ("Square each entry" in feedback["ch99-ex1"]) is hint


def test_code_outputs_are_compared_in_the_grader():
    ex = find("ch99-ex2")
    cases = ex.make_cases(np.random.default_rng(0))
    good = [("ok", 2 * c["v"]) for c in cases]
    bad = [("ok", 3 * c["v"]) for c in cases]
    exs = {"ch99-ex2": ex}
    for results, points in ((good, 2), (bad, 0)):
        nb = executed_with((GRADER_TAG, {"label": "ch99-ex2", "results": results}))
        marks, _ = score(
            nb, exs, set(), None, {"ch99-ex2": cases}, "complete", Settings()
        )
        assert marks == {"ch99-ex2": points}


def test_prechecks():
    nb = nbformat.v4.new_notebook()
    nb.metadata["course"] = {"student_edition": True, "chapter": "99_tiny",
                             "exercises": {"ch99-ex1": 1, "ch99-ex3": 0}}  # fmt: skip
    flags, skip = prechecks(nb, "99_tiny", exercises("ch99"))
    assert flags == [
        "older edition: ch99-ex2 was added later (not graded)",
        "older edition: ch99-ex3 changed (v0 -> v1)",
    ]
    assert skip == {"ch99-ex2"}
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]}))
    del nb.metadata["course"]
    flags, _ = prechecks(nb, "99_tiny", exercises("ch99"))
    assert flags == ["not made from the student edition", "solution cells present"]


def test_assessment_mode_in_the_notebook_leaves_out_the_hint(capsys):
    use_variant(None, assessment=True)
    check("ch99-ex1", s=3.0)
    line = capsys.readouterr().out.strip()
    assert line == "✘ ch99-ex1: s is not correct to 4 significant figures."


def test_an_assessment_edition_selects_assessment_mode():
    import student_edition

    nb = nbformat.read(ROOT / "tests/fixtures/instructor/chapters/99_tiny.ipynb", 4)
    built = student_edition.student_notebook(nb, "99_tiny", assessment=True)
    assert built.cells[2].source.startswith("from course import use_variant")
    assert "use_variant(None, assessment=True)" in built.cells[2].source
    assert built.metadata["course"]["assessment"] is True


def test_a_failed_export_says_why():
    cell = nbformat.v4.new_code_cell(
        "__import__('course.kit.harvest').harvest.export('ch99-ex2', {})",
        metadata={"tags": [GRADER_TAG]},
    )
    cell.outputs = [
        nbformat.v4.new_output("error", ename="KeyboardInterrupt", evalue="")
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    _, feedback = score(nb, {"ch99-ex2": find("ch99-ex2")}, set(), None, {}, "complete",
                        Settings())  # fmt: skip
    assert feedback == {
        "ch99-ex2": "not graded: its export failed (interrupted at the cell time limit)"
    }


def test_the_edition_record_survives_lost_metadata():
    nb = nbformat.read(ROOT / "tests/fixtures/instructor/submissions/correct.ipynb", 4)
    meta = course_metadata(nb)
    assert meta["chapter"] == "99_tiny" and meta["exercises"]["ch99-ex2"] == 1
    del nb.metadata["course"]  # as an editor that drops unknown metadata would
    assert course_metadata(nb) == meta
    assert prechecks(nb, "99_tiny", exercises("ch99")) == ([], set())


@pytest.mark.parametrize(
    "old, new",
    [("06_blas_gpu", "07_blas_gpu"), ("07_data_parallel", "08_data_parallel")],
)
def test_an_edition_from_before_the_renumbering_keeps_its_labels_and_inputs(old, new):
    from course.grading.grader import chapter_exercises

    stem, exs, notes, labels = chapter_exercises(old, {})
    today = exercises("ch" + new[:2])
    assert stem == new and f"older edition: made as {old}, graded as {new}" in notes
    assert sorted(labels.values()) == sorted(today)
    for label, ex in exs.items():
        assert label.startswith("ch" + old[:2]) and ex.label == label
        assert type(ex) is type(today[labels[label]])
        if getattr(ex, "data", None) is not None:  # the old notebook's own inputs
            variant = "v1"
            got, want = ex.inputs(variant), ex.data(variant_rng(variant, label))
            assert plain.dumps(got) == plain.dumps(want)
