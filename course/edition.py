"""The student edition of a chapter notebook: solutions out, answer cells in.

* Everything between a ``{solution-start} chNN-exK`` and its ``{solution-end}`` (the two
  directive cells, solution code cells, explanatory markdown) is replaced by one code
  cell tagged ``answer``: ``# Your code here (exercise chNN-exK)`` followed by
  ``name = None`` for every answer variable the exercise's check cell passes by name. An
  exercise whose solution is only text gets a markdown ``answer`` cell instead (metadata
  ``{"course": {"answer": label}}``: the grader collects written answers there).
* Code cells tagged ``solution`` outside such a region, and one-piece ``{solution}``
  directives in markdown, are removed too (nbconvert's ``TagRemovePreprocessor``).
* Check cells (tag ``check``) stay; outputs are cleared from the first exercise on.
* The metadata ``course`` records the chapter, the edition (tag or commit), each
  exercise's version and, for a roster build, the student and variant; the Colab setup
  cell is pinned to the edition, and a variant cell selects the student's inputs.
"""

import copy
import json
import re
import textwrap

import nbformat
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from course.exercise import exercises as chapter_exercises
from course.grading import integrity
from course.nbtools import check_calls, exercise_label, find_directive, tags

SOLUTION_TAG = "solution"
CHECK_TAG = "check"
ANSWER_TAG = "answer"
VARIANT_TAG = "course-variant"
RECORD, RECORD_MORE = "# course edition: ", "#   "


def answer_variables(nb):
    """Map each exercise label to the variable names its check cells pass, in order,
    without repeats."""
    variables = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for label, names in check_calls(cell.source):
            known = variables.setdefault(label, [])
            known += [n for n in names if n not in known and n != "check"]
    return variables


def written_answer_labels(nb):
    """Labels whose written answer cell the chapter already has (tag ``answer`` and
    metadata ``course.answer``)."""
    return {
        cell.metadata.get("course", {}).get("answer")
        for cell in nb.cells
        if cell.cell_type == "markdown" and ANSWER_TAG in tags(cell)
    } - {None, ""}


def answer_code_cell(label, names):
    lines = [f"# Your code here (exercise {label})" if label else "# Your code here"]
    lines += [f"{name} = None" for name in names]
    return nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [ANSWER_TAG]})


def answer_markdown_cell(label):
    text = f"**Your answer (exercise {label}):**" if label else "**Your answer:**"
    meta = {"tags": [ANSWER_TAG], "course": {"answer": label or ""}}
    return nbformat.v4.new_markdown_cell(text, metadata=meta)


# --- the preprocessors ---


class GatedSolutionRemover(Preprocessor):
    """Replace every ``{solution-start}`` ... ``{solution-end}`` region by one answer
    cell.

    Also replaces each run of ``solution``-tagged code cells outside a region by one
    answer cell (tagged ``answer``), and cuts one-piece ``{solution}`` directives out of
    markdown cells. Text that shares a cell with a directive, before ``solution-start``
    or after ``solution-end``, is kept.
    """

    def preprocess(self, nb, resources):
        self.variables = answer_variables(nb)
        self.answered = written_answer_labels(nb)
        self.cells, self.region, self.current, self.stray = [], None, None, None
        self.region_has_code = False
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                self._markdown(cell)
            else:
                self._other(cell)
        if self.region is not None:
            name = resources.get("name", "notebook")
            message = (
                f"{name}: {{solution-start}} {self.region} has no {{solution-end}}"
            )
            raise ValueError(message)
        nb.cells = self.cells
        return nb, resources

    def _close_region(self):
        label = self.region
        if self.region_has_code or self.variables.get(label):
            self.cells.append(answer_code_cell(label, self.variables.get(label, [])))
        elif label not in self.answered:  # the chapter's own answer cell stays
            self.cells.append(answer_markdown_cell(label))
        self.region = None

    def _markdown(self, cell):
        text = cell.source
        if self.region is None:
            self.current = exercise_label(text) or self.current
            start = find_directive(text, "solution-start")
            self.stray = None
            if start is None:
                self.cells.extend(self._without_solution_directives(cell, self.current))
                return
            before, text = text[: start[0]], text[start[1] :]
            if before.strip():
                self.cells.append(self._markdown_like(cell, before))
            self.region, self.region_has_code = start[2] or self.current, False
        end = find_directive(text, "solution-end")
        if end is None:
            return  # explanatory solution text: removed
        self._close_region()
        after = text[end[1] :]
        if after.strip():
            kept = self._markdown_like(cell, after)
            self.cells.extend(self._without_solution_directives(kept, self.current))

    def _other(self, cell):
        if self.region is not None:
            self.region_has_code = self.region_has_code or cell.cell_type == "code"
            return
        if cell.cell_type == "code" and SOLUTION_TAG in tags(cell):
            if self.stray is None:  # one stand-in per run of solution cells
                self.stray = self.current or ""
                names = self.variables.get(self.current, [])
                self.cells.append(answer_code_cell(self.current, names))
            return
        self.stray = None
        self.cells.append(cell)

    @staticmethod
    def _markdown_like(cell, text):
        new = copy.deepcopy(cell)
        new.source = text.strip("\n")
        new.pop("attachments", None)
        return new

    def _without_solution_directives(self, cell, label):
        """The cell with every ``{solution}`` block cut out, and one answer cell for
        each block cut."""
        text, removed = cell.source, 0
        while (found := find_directive(text, "solution")) is not None:
            text = text[: found[0]] + text[found[1] :]
            removed += 1
        if removed == 0:
            return [cell]
        out = [self._markdown_like(cell, text)] if text.strip() else []
        return out + [answer_markdown_cell(label)] * removed


class ExerciseOutputClearer(Preprocessor):
    """Clear outputs and execution counts from the first exercise on (or everywhere)."""

    def __init__(self, clear_all=False, **kw):
        super().__init__(**kw)
        self.clear_all = clear_all

    def preprocess(self, nb, resources):
        clearing = self.clear_all
        for cell in nb.cells:
            if cell.cell_type == "markdown" and exercise_label(cell.source):
                clearing = True
            if cell.cell_type == "code":
                cell.metadata.pop("execution", None)
                if clearing:
                    cell.outputs = []
                    cell.execution_count = None
        nb.metadata.pop("widgets", None)
        return nb, resources


def chapter_versions(name):
    """``{label: version}`` of the chapter's declared exercises (``name`` a stem)."""
    found = chapter_exercises("ch" + name.split("_")[0])
    return {label: ex.version for label, ex in found.items()}


def variant_cell(meta):
    """The cell that selects the notebook's inputs; it also carries ``meta`` as a
    comment, for a notebook whose metadata got lost on the way
    (``course.grading.prepare``)."""
    args = repr(meta["variant"]) + (", assessment=True" if meta["assessment"] else "")
    record = textwrap.wrap(json.dumps(meta, sort_keys=True), 70, break_long_words=False)
    lines = [RECORD + record[0]] + [RECORD_MORE + part for part in record[1:]]
    source = "from course import use_variant\n\n"
    source += f"use_variant({args})  # your own inputs\n" + "\n".join(lines)
    return nbformat.v4.new_code_cell(
        source, metadata={"tags": [VARIANT_TAG, "hide-input"]}
    )


def pin_colab_cell(nb, ref):
    """Make the Colab setup cell install the course at ``ref`` (a tag or commit)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "colab-setup" in tags(cell):
            cell.source = re.sub(r'(git\+[^@"\s]+)@[^"\s]+', rf"\1@{ref}", cell.source)
            return


def student_notebook(nb, name="notebook", clear_all_outputs=False, variant=None,
                     student=None, assessment=False, edition=None,
                     key=None):  # fmt: skip
    """Return the student edition of notebook ``nb`` (a new object; ``nb`` stays).

    ``variant`` (with ``student``): a notebook with that student's own exercise inputs;
    ``assessment``: in-notebook feedback without hints; ``edition``: the tag or commit
    it is built from (the Colab cell installs that version); ``key``: the
    instructor's key, which signs the record (``course.grading.integrity``).
    """
    nb = copy.deepcopy(nb)
    resources = {"name": name}
    for pre in (
        GatedSolutionRemover(),
        TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True),
        ExerciseOutputClearer(clear_all=clear_all_outputs),
    ):
        nb, resources = pre.preprocess(nb, resources)
    if edition and edition != "unknown":
        pin_colab_cell(nb, edition.removesuffix("-dirty"))
    nb.metadata["course"] = {
        "student_edition": True, "chapter": name, "edition": edition or "unknown",
        "exercises": chapter_versions(name), "variant": variant, "student": student,
        "assessment": assessment,
    }  # fmt: skip
    if key is not None:
        meta = nb.metadata["course"]
        meta["signature"] = integrity.signature(meta, key)
    setup = [i for i, c in enumerate(nb.cells) if "colab-setup" in tags(c)]
    nb.cells.insert(setup[0] + 1 if setup else 0, variant_cell(nb.metadata["course"]))
    return nb
