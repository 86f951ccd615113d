"""What a submission's own cells do that the grader reports, before and after the run.

Before: the cells the student wrote (a code cell whose source is not one of the
instructor's edition) are parsed, and each import of the course's checks, touch of the
grader's export or use of a routine an exercise forbids (``Exercise.forbids``) is
reported with its cell and line. After: the executed notebook's error and stream
outputs show attempts that the sandbox refused (a write to a read-only or missing
place, a mount), and the grader's limits that were hit.
"""

import ast
import re

from IPython.core.inputtransformer2 import TransformerManager

ALLOWED_FROM_COURSE = {"check", "exercise_data", "use_variant"}
TAMPER = ("harvest", "publish_display_data", "x-course-answers")
REFUSED = re.compile(  # an error on an absolute path, or a refused mount
    r"\[Errno (?:1|2|13|30)\] [^:\n]*: '/|Operation not permitted|mount: |umount: "
)
TO_PYTHON = TransformerManager()


def student_cells(nb, edition_sources):
    """``[(cell number, source)]`` of code cells not in the instructor's edition."""
    known = {s.strip() for s in edition_sources}
    return [
        (i, c.source)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.source.strip() not in known
    ]


def parse(source):
    try:
        return ast.parse(TO_PYTHON.transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def names_used(tree):
    """``[(name, line)]``: every imported name, attribute and variable in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.append((node.attr, node.lineno))
        elif isinstance(node, ast.Name):
            found.append((node.id, node.lineno))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [(a.name.split(".")[-1], node.lineno) for a in node.names]
    return found


def course_imports(tree):
    """Lines that import from ``course`` anything but the kit's public names."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name.startswith("course.") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "course"
        ):
            names = {a.name for a in node.names}
            if node.module != "course" or names - ALLOWED_FROM_COURSE:
                lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("course."):
                lines.append(node.lineno)
    return lines


def before_run(cells, exercises):
    """``(flags, {label: why})``: what the student's cells do; the dict names the
    exercises whose forbidden routine a cell uses."""
    flags, forbidden = [], {}
    for number, source in cells:
        tree = parse(source)
        if tree is None:
            continue
        for line in course_imports(tree):
            flags.append(f"imports the course's checks (cell {number}, line {line})")
        if any(word in source for word in TAMPER):
            flags.append(f"touches the grader's export (cell {number})")
        used = names_used(tree)
        for label, ex in exercises.items():
            for routine in getattr(ex, "forbids", ()):
                short = routine.split(".")[-1]
                lines = sorted({line for name, line in used if name == short})
                if lines and label not in forbidden:
                    why = f"uses {routine}, which {label} forbids"
                    forbidden[label] = f"{why} (cell {number}, line {lines[0]})"
    flags += [f"forbidden routine: {why}" for why in forbidden.values()]
    return flags, forbidden


def refused_attempts(executed):
    """Cell numbers whose outputs show an attempt the sandbox refused."""
    found = []
    for i, cell in enumerate(executed.cells):
        if cell.cell_type != "code" or "grader" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            text = out.get("text", "") + " ".join(out.get("traceback", []))
            text += out.get("evalue", "")
            if REFUSED.search(text):
                found.append(i)
                break
    return found
