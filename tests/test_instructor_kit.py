"""The instructor kit: the student edition hides every solution, the grader scores and contains.

Fixtures (tests/fixtures/instructor/, rebuilt by its make_fixtures.py): a tiny chapter in the
book's exercise format (labels ch99-exK, checks in fixture_checks.py) and submissions made from
its student edition: correct, wrong, failing, crashing, looping, cheating.
"""
import csv
import importlib
import os
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "instructor"
TINY = FIXTURES / "chapters" / "99_tiny.ipynb"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
import grade  # noqa: E402
import student_edition  # noqa: E402

CELL_TIMEOUT, TIMEOUT = 3, 8  # seconds: short, so the looping submissions cost little


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def code_cells(nb, tag=None):
    return [c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in tags(c))]


def solution_lines(nb):
    """Distinctive lines of a chapter's solutions: every line of 12+ characters (comments aside)
    in solution code cells and in the text between solution-start and solution-end, that appears
    nowhere else in the chapter."""
    inside, solution, rest = False, [], []
    for cell in nb.cells:
        text = cell.source
        if cell.cell_type == "markdown" and "{solution-start}" in text:
            inside = True
        if cell.cell_type == "markdown" and (found := student_edition.find_directive(text, "solution")):
            solution.append(text[found[0]:found[1]])
            text = text[:found[0]] + text[found[1]:]
        if inside or "solution" in tags(cell):
            solution.append(text)
        else:
            rest.append(text)
        if cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            inside = False
    elsewhere = "\n".join(rest)
    lines = set()
    for block in solution:
        for line in block.splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith("#") and "{solution" not in line and line not in elsewhere:
                lines.add(line)
    return lines


def student_text(nb):
    """Everything a student sees: sources and every stored output."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


# --- student edition ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_student():
    return student_edition.student_notebook(nbformat.read(TINY, as_version=4), name="99_tiny")


def test_fixture_has_solutions_to_hide():
    lines = solution_lines(nbformat.read(TINY, as_version=4))
    assert "s = float(x @ x)  # the dot product of x with itself" in lines
    assert "Squaring and summing is the dot product of x with itself: 0 + 1 + 4 = 5." in lines
    assert any("Predeclared variables" in line for line in lines)


def test_student_edition_of_fixture_hides_solutions_and_keeps_checks(tiny_student):
    ref = nbformat.read(TINY, as_version=4)
    text = student_text(tiny_student)
    for line in solution_lines(ref):
        assert line not in text, f"solution line leaked: {line!r}"
    assert "sum of squares = 5.0" not in text and "doubled vector" not in text  # solution outputs
    assert not re.search(r"\{solution", text)
    assert [c.source for c in code_cells(tiny_student, "check")] == [c.source for c in code_cells(ref, "check")]
    assert code_cells(tiny_student)[0].source == code_cells(ref)[0].source  # Colab setup cell kept
    answers = [c for c in tiny_student.cells if "answer" in tags(c)]
    assert [(c.cell_type, c.source) for c in answers] == [
        ("code", "# Your code here (exercise ch99-ex1)\ns = None"),
        ("code", "# Your code here (exercise ch99-ex2)\ny = None\ndouble = None"),
        ("markdown", "**Your answer (exercise ch99-ex3):**"),
    ]
    assert tiny_student.metadata["mlplib"] == {"student_edition": True, "chapter": "99_tiny"}


def test_student_edition_clears_outputs_from_the_first_exercise_on(tiny_student):
    first = next(i for i, c in enumerate(tiny_student.cells) if "{exercise}" in c.source)
    for cell in tiny_student.cells[first:]:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    narrative = code_cells(tiny_student)[2]
    assert narrative.outputs[0]["text"] == "[0. 1. 2.]\n"  # the narrative keeps its outputs
    cleared = student_edition.student_notebook(nbformat.read(TINY, as_version=4), clear_all_outputs=True)
    assert all(c.outputs == [] for c in code_cells(cleared))


def test_student_edition_handles_directives_sharing_cells_and_stray_solution_cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        md("```{exercise} E\n:label: ch98-ex1\n\nDo it.\n```\n\n:::{solution-start} ch98-ex1\n:::\nSecret reasoning line."),
        code("answer_value = 41 + 1", metadata={"tags": ["solution"]}),
        md("More secret reasoning.\n````{solution-end}\n````\nKept text after the end."),
        code('check("ch98-ex1", answer_value, other=helper.attr)', metadata={"tags": ["check"]}),
        md("```{exercise} F\n:label: ch98-ex2\n\nAgain.\n```"),
        code("stray = 'a stray solution cell'", metadata={"tags": ["solution"]}),
        code("also_stray = 'its neighbour'", metadata={"tags": ["solution"]}),
        code('check("ch98-ex2", stray=stray)', metadata={"tags": ["check"]}),
    ])
    out = student_edition.student_notebook(nb)
    sources = [c.source for c in out.cells]
    assert sources == [
        "```{exercise} E\n:label: ch98-ex1\n\nDo it.\n```",
        "# Your code here (exercise ch98-ex1)\nanswer_value = None",
        "Kept text after the end.",
        'check("ch98-ex1", answer_value, other=helper.attr)',
        "```{exercise} F\n:label: ch98-ex2\n\nAgain.\n```",
        "# Your code here (exercise ch98-ex2)\nstray = None",
        'check("ch98-ex2", stray=stray)',
    ]


def test_student_edition_reports_an_unclosed_solution():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{solution-start} ch98-ex1\n```")])
    with pytest.raises(ValueError, match=r"ch98-ex1 has no \{solution-end\}"):
        student_edition.student_notebook(nb, name="broken")


def test_build_writes_notebooks_and_colab_readme(tmp_path):
    written = student_edition.build([TINY], tmp_path, colab_repo="https://github.com/someone/course-student", colab_branch="main")
    assert written == [tmp_path / "chapters" / "99_tiny.ipynb"]
    readme = (tmp_path / "README.md").read_text()
    assert "https://colab.research.google.com/github/someone/course-student/blob/main/chapters/99_tiny.ipynb" in readme


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_edition_of_chapter_contains_no_solution(path):
    ref = nbformat.read(path, as_version=4)
    student = student_edition.student_notebook(ref, name=path.stem)
    text = student_text(student)
    leaked = [line for line in solution_lines(ref) if line in text]
    assert not leaked, f"{path.name}: solution lines in the student edition: {leaked[:3]}"
    assert not code_cells(student, "solution"), f"{path.name}: a solution cell survived"
    assert not re.search(r"\{solution(-start|-end)?\}", text), f"{path.name}: a solution directive survived"
    assert len(code_cells(student, "check")) == len(code_cells(ref, "check")), f"{path.name}: check cells lost"
    assert code_cells(student)[0].source == code_cells(ref)[0].source, f"{path.name}: Colab setup cell changed"


# --- the reference solutions pass their own checks ----------------------------------------------

@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_reference_checks_pass_and_exist(path):
    nb = nbformat.read(path, as_version=4)
    checks = code_cells(nb, "check")
    for cell in checks:
        labels = [label for label, _ in student_edition.check_calls(cell.source)]
        assert labels, f"{path.name}: check cell calls no check(label, ...): {cell.source[:60]!r}"
        stdout = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        for label in labels:
            assert f"✔ {label}: correct" in stdout, f"{path.name}: stored output of the {label} check is not ✔: {stdout[:200]!r}"
            chapter = importlib.import_module(f"course.checks.{label.split('-')[0]}")
            assert label in chapter.CHECKS, f"{path.name}: no check function for {label} in {chapter.__name__}"
    for cell in nb.cells:  # every check call sits in a cell tagged check, where the grader looks
        if cell.cell_type == "code" and "check" not in tags(cell):
            assert not student_edition.check_calls(cell.source), f"{path.name}: check(...) in an untagged cell"


# --- grading ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every fixture submission once, plus the untouched student edition."""
    folder = tmp_path_factory.mktemp("submissions")
    for path in (FIXTURES / "submissions").glob("*.ipynb"):
        (folder / path.name).write_bytes(path.read_bytes())
    student_edition.build([TINY], folder / "unanswered")  # unanswered/chapters/99_tiny.ipynb
    (folder / "unanswered" / "README.md").unlink()
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FIXTURES), old]))  # the kernels find fixture_checks
    try:
        rows = grade.grade(folder, out, chapters_dir=TINY.parent, cell_timeout=CELL_TIMEOUT, timeout=TIMEOUT, log=lambda *a: None)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    with out.open(encoding="utf-8") as f:
        table = {row["submission"]: row for row in csv.DictReader(f)}
    return rows, table, out


def test_grades_csv_has_a_row_per_submission_and_a_column_per_exercise(graded):
    _, table, out = graded
    assert out.read_text(encoding="utf-8").splitlines()[0] == "submission,chapter,ch99-ex1,ch99-ex2,score,max,status,feedback"
    assert sorted(table) == sorted([
        "cheating.ipynb", "correct.ipynb", "crashing.ipynb", "error.ipynb", "infinite_loop.ipynb",
        "unstoppable_loop.ipynb", "wrong.ipynb", "unanswered/chapters/99_tiny.ipynb",
    ])
    assert all(row["chapter"] == "99_tiny" and row["max"] == "2" for row in table.values())
    assert (out.parent / "executed" / "correct.ipynb").exists()


def marks(row):
    return row["ch99-ex1"], row["ch99-ex2"], row["score"]


def test_correct_submission_gets_full_marks(graded):
    row = graded[1]["correct.ipynb"]
    assert marks(row) == ("1", "1", "2") and row["status"] == "complete" and row["feedback"] == ""


def test_wrong_submission_gets_partial_marks_with_feedback(graded):
    row = graded[1]["wrong.ipynb"]
    assert marks(row) == ("1", "0", "1")
    assert row["feedback"] == "ch99-ex2: double(np.ones(2)): expected [2. 2.], got [3. 3.]. Multiply by 2, not by anything else."


def test_unanswered_student_edition_runs_and_says_what_is_missing(graded):
    row = graded[1]["unanswered/chapters/99_tiny.ipynb"]
    assert marks(row) == ("0", "0", "0") and row["status"] == "complete"
    assert "ch99-ex1: s is None: set it to your answer." in row["feedback"]
    assert "ch99-ex2: double is None" in row["feedback"]


def test_failing_cell_does_not_stop_the_rest(graded):
    row = graded[1]["error.ipynb"]
    assert marks(row) == ("0", "1", "1")
    assert "NameError: name 's' is not defined" in row["feedback"]
    assert "an earlier cell failed: ZeroDivisionError: division by zero" in row["feedback"]


def test_kernel_crash_is_contained_and_what_ran_is_scored(graded):
    row = graded[1]["crashing.ipynb"]
    assert marks(row) == ("1", "0", "1")
    assert row["status"] == "stopped: the kernel died"
    assert row["feedback"] == "ch99-ex2: not run (stopped: the kernel died)"


def test_endless_loop_is_interrupted_and_the_notebook_goes_on(graded):
    row = graded[1]["infinite_loop.ipynb"]
    assert marks(row) == ("0", "1", "1") and row["status"] == "complete"
    assert "interrupted at the per-cell time limit" in row["feedback"]


def test_loop_that_ignores_interrupts_is_killed_at_the_wall_limit(graded):
    rows, table, _ = graded
    row = table["unstoppable_loop.ipynb"]
    assert marks(row) == ("0", "0", "0")
    assert row["status"] == f"stopped: notebook time limit of {TIMEOUT} s"
    seconds = next(r["seconds"] for r in rows if r["submission"] == "unstoppable_loop.ipynb")
    assert TIMEOUT <= seconds < TIMEOUT + 10


def test_printed_verdicts_and_deleted_checks_earn_nothing(graded):
    row = graded[1]["cheating.ipynb"]
    assert marks(row) == ("0", "1", "1")
    assert row["feedback"] == "ch99-ex1: s: expected 5.0, got 4.0. Square each entry of x, then add the squares up."


def test_grader_adds_reference_checks_after_the_students_own_and_for_missing_ones():
    ref = nbformat.read(TINY, as_version=4)
    checks = grade.reference_checks(ref)
    assert checks == [(["ch99-ex1"], 'check("ch99-ex1", s=s)'), (["ch99-ex2"], 'check("ch99-ex2", y=y, double=double)')]
    sub = nbformat.read(FIXTURES / "submissions" / "cheating.ipynb", as_version=4)
    prepared = grade.prepare(sub, checks)
    sources = [c.source for c in prepared.cells if c.cell_type == "code"]
    added = [s for c, s in zip(code_cells(prepared), sources) if "grader" in tags(c)]
    assert added == ['from course import check\ncheck("ch99-ex2", y=y, double=double)',
                     'from course import check\ncheck("ch99-ex1", s=s)']
    assert sources.index(added[0]) == sources.index('check("ch99-ex2", y=y, double=double)') + 1
    assert sources[-1] == added[1]
    assert all(c.outputs == [] for c in code_cells(prepared))


def test_verdict_parsing_joins_multiline_feedback():
    text = "✔ ch01-ex1: correct\n✘ ch01-ex2: W: expected [[1. 2.]\n [3. 4.]], got [[0. 0.]\n [0. 0.]]. Hint.\nnoise\n"
    assert grade.verdicts(text) == [
        ("ch01-ex1", True, "correct"),
        ("ch01-ex2", False, "W: expected [[1. 2.] [3. 4.]], got [[0. 0.] [0. 0.]]. Hint. noise"),
    ]


def test_submission_without_reference_is_reported_not_fatal(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "mystery.ipynb")
    (tmp_path / "broken.ipynb").write_text("not json")
    rows = grade.grade(tmp_path, tmp_path / "out" / "grades.csv", chapters_dir=TINY.parent, log=lambda *a: None)
    status = {r["submission"]: r["status"] for r in rows}
    assert status["mystery.ipynb"].startswith("no reference chapter")
    assert status["broken.ipynb"].startswith("unreadable:")


def test_exercise_list_names_labels_titles_and_checks():
    assert student_edition.exercise_table([TINY]).splitlines()[2:] == [
        "| 99_tiny | ch99-ex1 | Sum of squares | yes |",
        "| 99_tiny | ch99-ex2 | A function | yes |",
        "| 99_tiny | ch99-ex3 | Explain | no (graded by hand) |",
    ]


def test_instructor_guide_refers_only_to_labels_that_exist():
    labels = re.findall(r"\{ref\}`([^`<]+)`", (ROOT / "instructors.md").read_text())
    assert labels, "the guide links no chapter"
    defined = "\n".join(path.read_text() for path in CHAPTERS)
    for label in labels:
        assert f"({label})=" in defined, f"instructors.md refers to {label}, which no chapter defines"
