"""Reader hygiene of the chapters: what a reader sees follows the house rules.

Static checks of the notebooks in ``chapters/`` (no execution, no build): ruff, nbval
markers as tags, prose that speaks to the reader, cross-references by label, short code
cells, exercise checks inside their exercise, figures with captions and alt text, and
the reading flow (the rules in CONTRIBUTING, "Reading flow"): the Colab setup cell off
the page, one hidden imports cell, glue calls only in removed cells, no environment
flags in visible cells, no formatter pragmas, check cells stored without a verdict,
exercises numbered chNN-ex1, -ex2, ... in page order, figures as SVG with text as text.
"""

import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
LINTED = ["chapters", "mlplib", "course", "tools", "tests", "benchmarks"]
MAX_CELL_LINES = 25
# Words for things the reader cannot see: the source material and the test machinery.
HIDDEN_MATERIAL = re.compile(
    r"\b(slides?|transcripts?|lectures?|seed files?|nbval|pytest|strict mode|"
    r"test_\w+\.py|tests/|\.ci/|the book is tested|when the book is tested|NBVAL)\b",
    re.IGNORECASE,
)
TYPED_CHAPTER = re.compile(r"\b[Cc]hapters? \d")
NBVAL_COMMENT = re.compile(r"^\s*#\s*NBVAL", re.MULTILINE)
EXERCISE = re.compile(r"```\{exercise\}")
SOLUTION_END = re.compile(r"```\{solution-end\}")


def ids(paths):
    return [p.stem for p in paths]


def load(path):
    return nbformat.read(path, as_version=4)


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def without_directive_code(text):
    """Markdown prose without fenced code blocks and inline code (they quote code)."""
    text = re.sub(r"````.*?````", "", text, flags=re.DOTALL)
    text = re.sub(r"```(?!\{).*?```", "", text, flags=re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def prose_lines(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for line in without_directive_code(cell.source).splitlines():
                yield i, line


def has_figure(cell):
    return cell.cell_type == "code" and any(
        "image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {})
        for out in cell.get("outputs", [])
    )


def test_ruff_lint_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *LINTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "ruff check found problems:\n" + result.stdout[-4000:]
    )


def test_ruff_format_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *LINTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "files need `ruff format`:\n" + result.stdout[-4000:] + result.stderr[-2000:]
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_nbval_markers_are_tags_not_comments(path):
    visible = [
        i
        for i, cell in enumerate(load(path).cells)
        if cell.cell_type == "code" and NBVAL_COMMENT.search(cell.source)
    ]
    assert not visible, (
        f"cells {visible} carry a visible # NBVAL comment: use cell tags"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_prose_refers_only_to_what_the_reader_can_see(path):
    found = [
        (i, m.group(0))
        for i, line in prose_lines(load(path))
        for m in HIDDEN_MATERIAL.finditer(line)
    ]
    assert not found, f"prose names material the reader cannot see: {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_code_comments_refer_only_to_what_the_reader_can_see(path):
    found = []
    for i, cell in enumerate(load(path).cells):
        if cell.cell_type != "code" or "colab-setup" in tags(cell):
            continue
        for line in cell.source.splitlines():
            comment = line.partition("#")[2]
            found += [(i, m.group(0)) for m in HIDDEN_MATERIAL.finditer(comment)]
    assert not found, f"code comments name material the reader cannot see: {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_cross_references_use_labels_not_typed_chapter_numbers(path):
    found = [
        (i, m.group(0))
        for i, line in prose_lines(load(path))
        for m in TYPED_CHAPTER.finditer(line)
    ]
    assert not found, (
        f"typed chapter references {found}: use {{doc}}`NN_name` or {{ref}}`label`"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_links_the_notation_page(path):
    text = "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
    assert re.search(r"\{(ref|doc)\}`[^`]*notation`", text), (
        "the chapter never links the notation page ({ref}`notation`)"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_code_cells_are_short(path):
    long_cells = [
        (i, len(cell.source.splitlines()))
        for i, cell in enumerate(load(path).cells)
        if cell.cell_type == "code" and len(cell.source.splitlines()) > MAX_CELL_LINES
    ]
    assert not long_cells, (
        f"code cells over {MAX_CELL_LINES} lines (cell, lines): {long_cells}"
    )


CHECK_CALL = re.compile(r"""check\(\s*["'](ch\d+-ex\d+)["']""")


def _belongs_to_exercise(cell):
    """Cells that may stand between an exercise and its check: the solution toggle, its
    cells, the student's answer cells, the exercise's data cell, a short lead-in."""
    src = cell.source
    if tags(cell) & {"solution", "answer", "check"} or "exercise_data(" in src:
        return True
    if cell.cell_type == "markdown":
        return (
            "solution-start" in src
            or bool(SOLUTION_END.search(src))
            or (len(without_directive_code(src).split()) <= 20)
        )
    return False


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_check_cells_sit_inside_their_exercise(path):
    """Walking back from a check cell reaches its exercise's directive through nothing
    but the exercise's own cells."""
    cells, loose = load(path).cells, []
    for i, cell in enumerate(cells):
        labels = CHECK_CALL.findall(cell.source) if cell.cell_type == "code" else []
        for label in labels:
            j = i - 1
            while j >= 0 and f":label: {label}" not in cells[j].source:
                if not (_belongs_to_exercise(cells[j]) or _in_solution(cells, j)):
                    break
                j -= 1
            if j < 0 or f":label: {label}" not in cells[j].source:
                loose.append((i, label))
    assert not loose, (
        f"check cells stand apart from their exercise (cell, label): {loose}"
    )


def _in_solution(cells, index):
    """True when cell ``index`` lies between a solution-start and its solution-end."""
    depth = 0
    for cell in cells[:index]:
        if cell.cell_type == "markdown":
            depth += "solution-start" in cell.source
            depth -= bool(SOLUTION_END.search(cell.source))
    return depth > 0


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_every_figure_has_a_caption_and_alt_text(path):
    missing = []
    for i, cell in enumerate(load(path).cells):
        if has_figure(cell):
            meta = cell.metadata.get("mystnb", {})
            if not meta.get("figure", {}).get("caption") or not meta.get(
                "image", {}
            ).get("alt"):
                missing.append(i)
    assert not missing, (
        f"figure cells {missing} lack mystnb.figure.caption or image.alt"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_has_three_figures_and_a_drawn_diagram(path):
    cells = load(path).cells
    figures = [c for c in cells if has_figure(c)]
    diagrams = [c for c in figures if "diagram" in tags(c)]
    assert len(figures) >= 3, f"{len(figures)} figures; a chapter has at least three"
    assert diagrams, "no figure cell is tagged `diagram` (a drawn diagram, not a plot)"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_chapter_has_five_exercises_and_a_code_exercise(path):
    import importlib

    chapter = path.stem[:2]
    module = importlib.import_module(f"course.checks.ch{chapter}")
    exercises = getattr(module, "EXERCISES", None)
    assert exercises is not None, f"course.checks.ch{chapter} declares no EXERCISES"
    labels = [e.label for e in exercises]
    assert len(labels) >= 5, f"{len(labels)} exercises: {labels}; a chapter has five"
    assert any(type(e).__name__ == "Code" for e in exercises), "no code exercise"
    text = "\n".join(c.source for c in load(path).cells if c.cell_type == "markdown")
    missing = [label for label in labels if f":label: {label}" not in text]
    assert not missing, (
        f"exercises declared in course.checks but not in the chapter: {missing}"
    )


# The reading flow (CONTRIBUTING, "Reading flow").
SETUP_TAGS = ["colab-setup", "remove-cell"]
PRAGMA = re.compile(
    r"#\s*(fmt:\s*(skip|off|on)|noqa|type:\s*ignore|pragma|pylint:|isort:|ruff:)",
    re.IGNORECASE,
)
GLUE_CALL = re.compile(r"(?<![\w.])(glue|glue_\w+)\(")
ENV_FLAG = re.compile(r"os\.environ\[|os\.environ\.(setdefault|update)|%env\b")
EXERCISE_LABEL = re.compile(
    r"```\{exercise\}[^\n]*\n(?:\s*:[^\n]*\n)*?\s*:label:\s*(\S+)"
)
FIGURE_CONFIG = re.compile(r"figure_formats\s*=\s*\[\s*[\"']svg[\"']\s*\]")
SVG_TEXT = re.compile(r"[\"']svg\.fonttype[\"']\s*:\s*[\"']none[\"']")


def code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def removed(cell):
    return bool(tags(cell) & {"remove-cell", "remove_cell"})


def hidden(cell):
    return removed(cell) or bool(
        tags(cell) & {"hide-input", "remove-input", "hide-cell"}
    )


def outside_defs(source):
    """The lines of a cell outside any ``def`` (a helper's body may call glue)."""
    kept, in_def = [], False
    for line in source.splitlines():
        if line.startswith("def "):
            in_def = True
        elif line and not line[0].isspace():
            in_def = False
        if not in_def:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_setup_cell_is_off_the_page_and_imports_cell_hidden(path):
    cells = code_cells(load(path))
    assert len(cells) >= 2, "no setup and imports cells"
    (_, setup), (i, imports) = cells[0], cells[1]
    assert sorted(tags(setup)) == sorted(SETUP_TAGS), (
        f"the first code cell (Colab setup) has tags {sorted(tags(setup))}, "
        f"not {SETUP_TAGS}"
    )
    assert "hide-input" in tags(imports), (
        f"cell {i}, the imports and seeds cell, is not tagged hide-input"
    )
    assert not imports.get("outputs"), f"cell {i}, the imports cell, shows an output"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_glue_calls_only_in_removed_cells(path):
    visible = [
        i
        for i, cell in code_cells(load(path))
        if not removed(cell) and GLUE_CALL.search(outside_defs(cell.source))
    ]
    assert not visible, (
        f"cells {visible} call glue on the page: move the calls into a cell tagged "
        "remove-cell right after"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_environment_flags_only_in_hidden_cells(path):
    visible = [
        i
        for i, cell in code_cells(load(path))
        if not hidden(cell) and ENV_FLAG.search(cell.source)
    ]
    assert not visible, f"cells {visible} set environment variables on the page"


def test_the_pragma_scan_catches_pragmas():
    for line in (
        "x = 1  # fmt: skip",
        "import a  # noqa: F401",
        "# fmt: off",
        "y  # type: ignore",
    ):
        assert PRAGMA.search(line), line
    assert not PRAGMA.search("# the format of the data")


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_no_formatter_or_linter_pragmas(path):
    found = [
        (i, m.group(0))
        for i, cell in code_cells(load(path))
        for m in PRAGMA.finditer(cell.source)
    ]
    assert not found, f"pragma comments (cell, pragma): {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_check_cells_are_stored_without_a_verdict(path):
    stored = [
        i
        for i, cell in code_cells(load(path))
        if "check" in tags(cell)
        and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not stored, (
        f"check cells {stored} store an output (a verdict the reader has not earned): "
        "re-execute with tools/execute.py, which stores them empty"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_exercises_are_numbered_in_page_order(path):
    """chNN-ex1, chNN-ex2, ... with NN the file's number: the page shows "Exercise N.K"
    from the label (tools/reader_assets.py), the checks use the same id."""
    chapter = path.name[:2]
    labels = [
        label
        for cell in load(path).cells
        if cell.cell_type == "markdown"
        for label in EXERCISE_LABEL.findall(cell.source)
    ]
    expected = [f"ch{chapter}-ex{k}" for k in range(1, len(labels) + 1)]
    assert labels == expected, f"exercise labels {labels}, expected {expected}"
    typed = [
        (i, m.group(0))
        for i, line in prose_lines(load(path))
        for m in re.finditer(r"\bExercises? \d+(\.\d+)?", line)
    ]
    assert not typed, f"typed exercise numbers {typed}: use {{ref}}`chNN-exK`"


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_figures_are_svg_with_text_as_text(path):
    cells = code_cells(load(path))
    config = cells[1][1].source if len(cells) > 1 else ""
    assert FIGURE_CONFIG.search(config) and SVG_TEXT.search(config), (
        "the imports cell does not set figure_formats = ['svg'] and "
        "'svg.fonttype': 'none'"
    )
    raster = [
        i
        for i, cell in cells
        if has_figure(cell)
        and not any(
            "image/svg+xml" in out.get("data", {}) for out in cell.get("outputs", [])
        )
    ]
    assert not raster, f"cells {raster} store a raster figure: re-execute"
