"""Before a submission runs: what it claims to be (pre-checks) and the notebook to run.

:func:`prechecks` flags a submission that was not made from the student edition, still
holds solution cells, names another chapter or another student, or comes from an
edition older than the current exercises. :func:`graded_notebook` clears its outputs
and adds, after each exercise's check cell (or at the end), a grader cell that exports
the answers as plain data (``course.kit.harvest``); a code exercise's cell carries the
grader's hidden inputs.
"""

import copy
import inspect
import json
import os

import nbformat

from course.edition import RECORD, RECORD_MORE
from course.exercise import Code, Value
from course.grading import depends
from course.kit import plain
from course.nbtools import check_arguments, find_directive, tags

GRADER_TAG = "grader"


def course_metadata(nb):
    """The student edition's record: the notebook metadata ``course``, or, where a
    round trip through an editor dropped it, the copy in the variant cell."""
    meta = nb.metadata.get("course")
    if isinstance(meta, dict) and meta:
        return meta
    for cell in nb.cells[:5]:
        lines = cell.source.splitlines() if cell.cell_type == "code" else []
        starts = [i for i, line in enumerate(lines) if line.startswith(RECORD)]
        if starts:
            return parse_record(lines[starts[0] :])
    return {}


def parse_record(lines):
    parts = [lines[0][len(RECORD) :]]
    parts += [x[len(RECORD_MORE) :] for x in lines[1:] if x.startswith(RECORD_MORE)]
    try:
        record = json.loads(" ".join(parts))
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def has_solutions(nb):
    for cell in nb.cells:
        if "solution" in tags(cell):
            return True
        if cell.cell_type == "markdown":
            for name in ("solution-start", "solution"):
                if find_directive(cell.source, name):
                    return True
    return False


def edition_flags(meta, exercises):
    """Flags and the labels not to grade, from the exercise versions in ``meta``."""
    versions = meta.get("exercises")
    if not isinstance(versions, dict):
        return [], set()
    flags, skip = [], set()
    for label, ex in exercises.items():
        if label not in versions:
            flags.append(f"older edition: {label} was added later (not graded)")
            skip.add(label)
        elif versions[label] != ex.version:
            old = versions[label]
            flags.append(f"older edition: {label} changed (v{old} -> v{ex.version})")
    return flags, skip


def prechecks(nb, chapter, exercises, student=None, variant=None, signed=True):
    """``(flags, labels not to grade)`` for submission ``nb`` graded as ``chapter``;
    an exercise missing from the record is left out only when the record is
    ``signed`` (an edited list cannot shrink the maximum)."""
    meta = course_metadata(nb)
    flags = []
    if not meta.get("student_edition"):
        flags.append("not made from the student edition")
    if has_solutions(nb):
        flags.append("solution cells present")
    named = meta.get("chapter") or nb.metadata.get("mlplib", {}).get("chapter")
    if named and named != chapter:
        flags.append(f"metadata names another chapter: {named}")
    if student is not None and meta.get("variant") not in (None, variant):
        flags.append(f"made from another student's edition (not {student}'s)")
    more, skip = edition_flags(meta, exercises)
    return flags + more, skip if signed else set()


def answer_names(ex, reference_calls):
    """``{keyword: expression}`` the grader exports for exercise ``ex``."""
    if ex.label in reference_calls and reference_calls[ex.label]:
        return reference_calls[ex.label]
    if isinstance(ex, Code):
        return {ex.name: ex.name}
    params = list(inspect.signature(ex.check).parameters)[1:]
    return {name: name for name in params}


def export_cell(ex, names, cases=None):
    getters = ", ".join(f"{k!r}: lambda: ({v})" for k, v in names.items())
    args = f"{ex.label!r}, {{{getters}}}"
    if cases is not None:
        args += f", {plain.dumps(cases)!r}"
    source = f'__import__("course.harvest").harvest.export({args})'
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [GRADER_TAG]})
    cell["id"] = "grader-" + os.urandom(4).hex()
    return cell


def graded_notebook(nb, exercises, reference_calls, cases, only_needed=True,
                    always=()):  # fmt: skip
    """A copy of ``nb`` to execute: outputs cleared, an export cell per exercise.

    ``exercises``: the Value and Code exercises to grade; ``cases``: label -> the hidden
    inputs of each code exercise; ``only_needed``: skip the cells no exercise
    depends on, except the cells with ids in ``always`` (the student's own).
    """
    nb = copy.deepcopy(nb)
    pending = {
        ex.label: export_cell(
            ex, answer_names(ex, reference_calls), cases.get(ex.label)
        )
        for ex in exercises.values()
        if isinstance(ex, (Value, Code))
    }
    cells = []
    for cell in nb.cells:
        if GRADER_TAG in tags(cell):
            continue  # a submission cannot bring its own grader cells
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
        if cell.cell_type == "code":
            for label, _ in check_arguments(cell.source):
                if label in pending:
                    cells.append(pending.pop(label))
    nb.cells = cells + list(pending.values())
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    for cell in nb.cells:
        cell.setdefault("id", os.urandom(4).hex())
    if only_needed:
        skip_unneeded(nb, set(always))
    return nb


def skip_unneeded(nb, always):
    """Turn the code cells no exercise depends on (:mod:`course.grading.depends`) into
    raw cells marked ``course_skipped``; :func:`restore_skipped` undoes it."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = next(
        (i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
         and find_directive(c.source, "exercise")), len(nb.cells),
    )  # fmt: skip
    start = sum(1 for c in nb.cells[:first] if c.cell_type == "code")
    mine = [i for i, c in enumerate(code) if c.id in always]
    keep = set(depends.needed_cells([c.source for c in code], start, mine))
    for i, cell in enumerate(code):
        if i not in keep:
            cell.cell_type = "raw"
            cell.metadata["course_skipped"] = True
            for key in ("outputs", "execution_count"):
                cell.pop(key, None)


def restore_skipped(nb):
    """The notebook with its skipped cells as code cells again, without outputs."""
    for cell in nb.cells:
        if cell.metadata.pop("course_skipped", False):
            cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
    return nb
