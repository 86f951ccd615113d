"""The instructor kit: the student edition hides every solution, the grader scores and
contains.

Fixtures (tests/fixtures/instructor/, rebuilt by its make_fixtures.py): a tiny chapter
in the book's exercise format (labels ch99-exK, checks in fixture_checks.py) and
submissions made from
its student edition: correct, wrong, failing, crashing, looping, cheating.
"""

import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "instructor"
TINY = FIXTURES / "chapters" / "99_tiny.ipynb"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
sys.path[:0] = [str(ROOT / "tools"), str(FIXTURES)]
import fixture_checks  # noqa: E402, F401  (registers course.checks.ch99)
import student_edition  # noqa: E402

from course.exercise import find  # noqa: E402


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def code_cells(nb, tag=None):
    return [
        c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in tags(c))
    ]


def solution_lines(nb):
    """Distinctive lines of a chapter's solutions: every line of 12+ characters
    (comments aside) in solution code cells and in the text between solution-start and
    solution-end, that appears
    nowhere else in the chapter."""
    inside, solution, rest = False, [], []
    for cell in nb.cells:
        text = cell.source
        if cell.cell_type == "markdown" and "{solution-start}" in text:
            inside = True
        if cell.cell_type == "markdown" and (
            found := student_edition.find_directive(text, "solution")
        ):
            solution.append(text[found[0] : found[1]])
            text = text[: found[0]] + text[found[1] :]
        end = (
            student_edition.find_directive(text, "solution-end")
            if cell.cell_type == "markdown"
            else None
        )
        if (
            end is not None
        ):  # text after the solution-end directive stays in the student edition
            text, after = text[: end[1]], text[end[1] :]
            rest.append(after)
        if inside or "solution" in tags(cell):
            solution.append(text)
        else:
            rest.append(text)
        if end is not None:
            inside = False
    elsewhere = "\n".join(rest)
    lines = set()
    for block in solution:
        for line in block.splitlines():
            line = line.strip()
            if (
                len(line) >= 12
                and not line.startswith("#")
                and "{solution" not in line
                and line not in elsewhere
            ):
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


# --- student edition ---


@pytest.fixture(scope="module")
def tiny_student():
    return student_edition.student_notebook(
        nbformat.read(TINY, as_version=4), name="99_tiny"
    )


def test_fixture_has_solutions_to_hide():
    lines = solution_lines(nbformat.read(TINY, as_version=4))
    assert "s = float(x @ x)  # the dot product of x with itself" in lines
    assert "Squaring and summing is the dot product of x with itself." in lines
    assert any("Predeclared variables" in line for line in lines)


def test_student_edition_of_fixture_hides_solutions_and_keeps_checks(tiny_student):
    ref = nbformat.read(TINY, as_version=4)
    text = student_text(tiny_student)
    for line in solution_lines(ref):
        assert line not in text, f"solution line leaked: {line!r}"
    assert "s = 5.0" not in text and "✔" not in text  # solution outputs, verdicts
    assert not re.search(r"\{solution", text)
    assert [c.source for c in code_cells(tiny_student, "check")] == [
        c.source for c in code_cells(ref, "check")
    ]
    assert (
        code_cells(tiny_student)[0].source == code_cells(ref)[0].source
    )  # Colab setup cell kept
    answers = [c for c in tiny_student.cells if "answer" in tags(c)]
    assert [(c.cell_type, c.source) for c in answers] == [
        ("code", "# Your code here (exercise ch99-ex1)\ns = None"),
        ("code", "# Your code here (exercise ch99-ex2)\ndouble = None"),
        ("markdown", "**Your answer (exercise ch99-ex3):**"),
    ]
    meta = tiny_student.metadata["course"]
    assert meta["student_edition"] and meta["chapter"] == "99_tiny"
    assert meta["exercises"] == {"ch99-ex1": 1, "ch99-ex2": 1, "ch99-ex3": 1}
    assert answers[2].metadata["course"] == {"answer": "ch99-ex3"}


def test_student_edition_clears_outputs_from_the_first_exercise_on(tiny_student):
    first = next(
        i for i, c in enumerate(tiny_student.cells) if "{exercise}" in c.source
    )
    for cell in tiny_student.cells[first:]:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    narrative = code_cells(tiny_student)[3]
    assert (
        narrative.outputs[0]["text"] == "[0. 1. 2.]\n"
    )  # the narrative keeps its outputs
    assert "exercise_data" in code_cells(tiny_student)[4].source
    cleared = student_edition.student_notebook(
        nbformat.read(TINY, as_version=4), clear_all_outputs=True
    )
    assert all(c.outputs == [] for c in code_cells(cleared))


def test_student_edition_handles_directives_sharing_cells_and_stray_solution_cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(
        cells=[
            md(
                "```{exercise} E\n:label: ch98-ex1\n\nDo it.\n```\n\n"
                ":::{solution-start} ch98-ex1\n:::\nSecret reasoning line."
            ),
            code("answer_value = 41 + 1", metadata={"tags": ["solution"]}),
            md(
                "More secret reasoning.\n````{solution-end}\n````\n"
                "Kept text after the end."
            ),
            code(
                'check("ch98-ex1", answer_value, other=helper.attr)',
                metadata={"tags": ["check"]},
            ),
            md("```{exercise} F\n:label: ch98-ex2\n\nAgain.\n```"),
            code("stray = 'a stray solution cell'", metadata={"tags": ["solution"]}),
            code("also_stray = 'its neighbour'", metadata={"tags": ["solution"]}),
            code('check("ch98-ex2", stray=stray)', metadata={"tags": ["check"]}),
        ]
    )
    out = student_edition.student_notebook(nb)
    out.cells = [c for c in out.cells if "course-variant" not in tags(c)]
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
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("```{solution-start} ch98-ex1\n```")]
    )
    with pytest.raises(ValueError, match=r"ch98-ex1 has no \{solution-end\}"):
        student_edition.student_notebook(nb, name="broken")


def test_build_writes_notebooks_and_colab_readme(tmp_path):
    written = student_edition.build(
        [TINY],
        tmp_path,
        colab_repo="https://github.com/someone/course-student",
        colab_branch="main",
    )
    assert written == [tmp_path / "chapters" / "99_tiny.ipynb"]
    readme = (tmp_path / "README.md").read_text()
    assert (
        "https://colab.research.google.com/github/someone/course-student/blob/main/chapters/99_tiny.ipynb"
        in readme
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_edition_of_chapter_contains_no_solution(path):
    ref = nbformat.read(path, as_version=4)
    student = student_edition.student_notebook(ref, name=path.stem)
    text = student_text(student)
    leaked = [line for line in solution_lines(ref) if line in text]
    assert not leaked, (
        f"{path.name}: solution lines in the student edition: {leaked[:3]}"
    )
    assert not code_cells(student, "solution"), f"{path.name}: a solution cell survived"
    assert not re.search(r"\{solution(-start|-end)?\}", text), (
        f"{path.name}: a solution directive survived"
    )
    assert len(code_cells(student, "check")) == len(code_cells(ref, "check")), (
        f"{path.name}: check cells lost"
    )
    assert code_cells(student)[0].source == code_cells(ref)[0].source, (
        f"{path.name}: Colab setup cell changed"
    )


# --- the reference solutions pass their own checks ---


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_reference_checks_exist(path):
    nb = nbformat.read(path, as_version=4)
    for cell in code_cells(nb, "check"):
        labels = [label for label, _ in student_edition.check_calls(cell.source)]
        assert labels, (
            f"{path.name}: check cell calls no check(label, ...): {cell.source[:60]!r}"
        )
        for label in labels:
            chapter = f"course.checks.{label.split('-')[0]}"
            assert find(label) is not None, (
                f"{path.name}: {chapter} declares no {label}"
            )
    for cell in nb.cells:  # every check call sits in a cell tagged check (the grader's)
        if cell.cell_type == "code" and "check" not in tags(cell):
            assert not student_edition.check_calls(cell.source), (
                f"{path.name}: check(...) in an untagged cell"
            )


# Check cells are stored without outputs (tools/execute.py), so the verdicts are
# computed here: the chapter's cells that the exercises depend on (what the grader
# runs, course.grading.prepare.skip_unneeded) are executed and every check cell must
# print its ✔. Two chapters keep make test short: one with value exercises only, one
# with code exercises checked on hidden inputs.
FRESH = [p for p in CHAPTERS if p.stem in ("01_perceptron", "04_optimizers")]


@pytest.mark.parametrize("path", FRESH, ids=lambda p: p.name)
def test_reference_answers_pass_their_checks_when_run(path):
    from nbclient import NotebookClient

    from course.grading.prepare import skip_unneeded

    nb = nbformat.read(path, as_version=4)
    skip_unneeded(nb, set())
    where = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources=where).execute()
    checks = code_cells(nb, "check")
    assert checks, f"{path.name}: no check cell"
    for cell in checks:
        stdout = "".join(
            o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"
        )
        for label, _ in student_edition.check_calls(cell.source):
            assert f"✔ {label}: correct" in stdout, (
                f"{path.name}: the reference answer of {label} is not ✔: "
                f"{stdout[:200]!r}"
            )


def test_exercise_list_names_labels_titles_and_checks():
    assert student_edition.exercise_table([TINY]).splitlines()[2:] == [
        "| 99_tiny | ch99-ex1 | Sum of squares | yes |",
        "| 99_tiny | ch99-ex2 | A function | yes |",
        "| 99_tiny | ch99-ex3 | Explain | no (graded by hand) |",
    ]


def test_instructor_guide_refers_only_to_labels_and_chapters_that_exist():
    pages = [ROOT / "instructors.md", ROOT / "adopt.md"]
    text = "\n".join(p.read_text() for p in pages)
    labels = re.findall(r"\{ref\}`([^`<]+)`", text)
    docs = re.findall(r"\{doc\}`(chapters/[^`<]+)`", text)
    assert {f"chapters/{p.stem}" for p in CHAPTERS} <= set(docs), "a chapter is missing"
    defined = "\n".join(path.read_text() for path in [*CHAPTERS, *pages])
    for label in labels:
        assert f"({label})=" in defined, f"the guide refers to {label}, never defined"
    for doc in docs:
        assert (ROOT / f"{doc}.ipynb").exists(), f"the guide links {doc}, missing"


def test_planning_tables_in_the_guide_are_current():
    """instructors.md includes _generated/planning.md: it must list the declared
    exercises (python tools/planning.py --write after changing an EXERCISES list)."""
    import planning

    assert planning.main(["--check"]) == 0
    assert (
        "```{include} _generated/planning.md" in (ROOT / "instructors.md").read_text()
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_written_exercise_has_an_answer_cell_in_the_student_edition(path):
    from course.exercise import Written, exercises

    written = [
        label
        for label, ex in exercises("ch" + path.stem.split("_")[0]).items()
        if isinstance(ex, Written)
    ]
    student = student_edition.student_notebook(
        nbformat.read(path, as_version=4), path.stem
    )
    answered = [
        cell.metadata.get("course", {}).get("answer")
        for cell in student.cells
        if cell.cell_type == "markdown" and "answer" in tags(cell)
    ]
    counts = {label: answered.count(label) for label in written}
    assert all(n == 1 for n in counts.values()), (
        f"{path.name}: answer cells per written exercise (want one each): {counts}"
    )
