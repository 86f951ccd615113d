"""Build the student edition: every chapter notebook without its solutions, checks kept.

    python tools/student_edition.py            # chapters/*.ipynb -> student/chapters/
    python tools/student_edition.py --out /tmp/student chapters/02_mlp_forward.ipynb
    python tools/student_edition.py --clear-all-outputs  # the narrative's outputs too
    python tools/student_edition.py --list     # table of every chapter's exercises

What changes, per notebook (the exercise format is in CONTRIBUTING.md):

* Everything between a ``{solution-start} chNN-exK`` and its ``{solution-end}`` (the two
  directive cells, solution code cells, explanatory markdown) is removed and replaced by
  one code cell tagged ``answer``: ``# Your code here (exercise chNN-exK)`` followed by
  ``name = None`` for every answer variable the exercise's check cell passes by name. An
  exercise whose solution is only text (no code cell, no check) gets a markdown
  ``answer`` cell instead.
* Code cells tagged ``solution`` outside such a region, and one-piece ``{solution}``
directives
  in markdown, are removed too (nbconvert's ``TagRemovePreprocessor`` removes the tagged
  cells).
* Check cells (tag ``check``) stay, so students get the same feedback as in the book.
* Stored outputs are cleared from the first exercise on (no solution value can leak
through a
  printed result); ``--clear-all-outputs`` clears the narrative's outputs as well.
* The Colab setup cell stays as it is: it installs mlplib, which holds the checks, from
the
  course repository named in ``_config.yml``.

Besides the notebooks, ``student/README.md`` lists an "Open in Colab" link per chapter
for the place the student edition is published (``--colab-repo`` and
``--colab-branch``).
"""

import argparse
import copy
import pathlib
import re
import sys

import nbformat
import yaml
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course.exercise import exercises as chapter_exercises  # noqa: E402
from course.nbtools import check_calls, exercise_label, find_directive, tags  # noqa: E402
from course.roster import edition as repo_edition  # noqa: E402
from course.roster import read_roster  # noqa: E402

LABEL = r"ch\d+-ex\d+"
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
ANSWER_TAG = "answer"
VARIANT_TAG = "course-variant"


def answer_variables(nb):
    """Map each exercise label to the variable names its check cells pass, in order, no
    repeats."""
    variables = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for label, names in check_calls(cell.source):
            known = variables.setdefault(label, [])
            known += [n for n in names if n not in known and n != "check"]
    return variables


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

    Also replaces each run of ``solution``-tagged code cells outside a region (tag kept
    on the removed cells' stand-in is ``answer``), and cuts one-piece ``{solution}``
    directives out of
    markdown cells. Text that shares a cell with a directive, before ``solution-start``
    or after ``solution-end``, is kept.
    """

    def preprocess(self, nb, resources):
        variables = answer_variables(nb)
        cells, region, current, stray_label = [], None, None, None
        region_has_code = False

        def close_region():
            label = region
            if region_has_code or variables.get(label):
                cells.append(answer_code_cell(label, variables.get(label, [])))
            else:
                cells.append(answer_markdown_cell(label))

        for cell in nb.cells:
            if cell.cell_type == "markdown":
                text = cell.source
                if region is None:
                    label = exercise_label(text)
                    current = label or current
                    start = find_directive(text, "solution-start")
                    if start is None:
                        cells.extend(self._without_solution_directives(cell, current))
                        stray_label = None
                        continue
                    before, text = text[: start[0]], text[start[1] :]
                    if before.strip():
                        cells.append(self._markdown_like(cell, before))
                    region, region_has_code = start[2] or current, False
                end = find_directive(text, "solution-end")
                if end is None:
                    continue  # explanatory solution text: removed
                close_region()
                region = None
                after = text[end[1] :]
                if after.strip():
                    cells.extend(
                        self._without_solution_directives(
                            self._markdown_like(cell, after), current
                        )
                    )
                stray_label = None
                continue
            if region is not None:
                region_has_code = region_has_code or cell.cell_type == "code"
                continue
            if cell.cell_type == "code" and SOLUTION_TAG in tags(cell):
                if stray_label is None:  # one stand-in per run of solution cells
                    stray_label = current or ""
                    cells.append(answer_code_cell(current, variables.get(current, [])))
                continue
            stray_label = None
            cells.append(cell)
        if region is not None:
            raise ValueError(
                f"{resources.get('name', 'notebook')}: {{solution-start}} {region} "
                "has no {solution-end}"
            )
        nb.cells = cells
        return nb, resources

    @staticmethod
    def _markdown_like(cell, text):
        new = copy.deepcopy(cell)
        new.source = text.strip("\n")
        new.pop("attachments", None)
        return new

    def _without_solution_directives(self, cell, label):
        """The cell with every ``{solution}`` block cut out, plus an answer cell per
        block cut."""
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


def variant_cell(variant, assessment):
    args = f"{variant!r}" + (", assessment=True" if assessment else "")
    source = f"from course import use_variant\n\nuse_variant({args})  # your own inputs"
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
                     student=None, assessment=False, edition=None):  # fmt: skip
    """Return the student edition of notebook ``nb`` (a new object; ``nb`` is not
    changed).

    ``variant`` (with ``student``): a notebook with that student's own exercise inputs;
    ``assessment``: in-notebook feedback without hints; ``edition``: the tag or commit
    it is built from (the Colab cell installs that version).
    """
    nb = copy.deepcopy(nb)
    resources = {"name": name}
    for pre in (
        GatedSolutionRemover(),
        TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True),
        ExerciseOutputClearer(clear_all=clear_all_outputs),
    ):
        nb, resources = pre.preprocess(nb, resources)
    if variant is not None or assessment:
        setup = [i for i, c in enumerate(nb.cells) if "colab-setup" in tags(c)]
        nb.cells.insert(setup[0] + 1 if setup else 0, variant_cell(variant, assessment))
    if edition and edition != "unknown":
        pin_colab_cell(nb, edition.removesuffix("-dirty"))
    nb.metadata["course"] = {
        "student_edition": True, "chapter": name, "edition": edition or "unknown",
        "exercises": chapter_versions(name), "variant": variant, "student": student,
        "assessment": assessment,
    }  # fmt: skip
    return nb


# --- publishing ---


def repository():
    """(url, branch) of the course repository from _config.yml."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def colab_link(repo_url, branch, path):
    """Colab opens a notebook on GitHub at
    colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH."""
    owner_repo = re.sub(
        r"^https?://github\.com/", "", repo_url.rstrip("/")
    ).removesuffix(".git")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"


def readme(names, repo_url, branch):
    lines = [
        "# Neural Networks from Scratch: student edition",
        "",
        "The chapter notebooks with the exercise solutions removed. Write your answers",
        "in the cells marked `# Your code here`; the check cell under each exercise",
        "tells you what is right or wrong. Run the first cell in Colab: it installs",
        "the course (`mlplib` and its checks) at the version this edition was built",
        "from.",
        "",
        "| chapter | open |",
        "| --- | --- |",
    ]
    for name in names:
        link = colab_link(repo_url, branch, f"chapters/{name}.ipynb")
        lines.append(f"| `{name}` | [Open in Colab]({link}) |")
    return "\n".join(lines) + "\n"


def exercises(nb):
    """``[(label, title, checked)]`` for each exercise directive in notebook ``nb``."""
    checked = {
        label
        for c in nb.cells
        if c.cell_type == "code"
        for label, _ in check_calls(c.source)
    }
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for name in ("exercise", "exercise-start"):
            block = find_directive(cell.source, name)
            label = exercise_label(cell.source)
            if block and label:
                found.append((label, block[2], label in checked))
                break
    return found


def exercise_table(paths):
    """A markdown table of every chapter's exercises: what ``--list`` prints."""
    lines = [
        "| chapter | exercise | title | automatic check |",
        "| --- | --- | --- | --- |",
    ]
    for path in paths:
        for label, title, checked in exercises(nbformat.read(path, as_version=4)):
            lines.append(
                f"| {pathlib.Path(path).stem} | {label} | {title} | "
                f"{'yes' if checked else 'no (graded by hand)'} |"
            )
    return "\n".join(lines)


def build(paths, out, clear_all_outputs=False, colab_repo=None, colab_branch="student",
          roster=None, assessment=False):  # fmt: skip
    """Write the student edition of ``paths`` into ``out/chapters`` and
    ``out/README.md``;
    with ``roster`` ({student id: variant}), one folder per student,
    ``out/students/<id>/chapters/``."""
    out = pathlib.Path(out)
    edition = repo_edition(ROOT)
    targets = [(None, None, out / "chapters")]
    if roster:
        targets = [
            (sid, v, out / "students" / sid / "chapters") for sid, v in roster.items()
        ]
    written = []
    for path in map(pathlib.Path, paths):
        nb = nbformat.read(path, as_version=4)
        for student, variant, folder in targets:
            folder.mkdir(parents=True, exist_ok=True)
            built = student_notebook(nb, path.stem, clear_all_outputs, variant, student,
                                     assessment, edition)  # fmt: skip
            nbformat.write(built, folder / path.name)
            written.append(folder / path.name)
    repo_url = colab_repo or repository()[0]
    stems = list(dict.fromkeys(p.stem for p in written))
    (out / "README.md").write_text(readme(stems, repo_url, colab_branch))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "notebooks", nargs="*", help="chapter notebooks (default: chapters/*.ipynb)"
    )
    parser.add_argument(
        "--out", default=str(ROOT / "student"), help="output folder (default: student/)"
    )
    parser.add_argument(
        "--clear-all-outputs",
        action="store_true",
        help="clear the narrative's outputs too",
    )
    parser.add_argument(
        "--colab-repo",
        help="GitHub url where the student edition is published (default: the "
        "course repository)",
    )
    parser.add_argument(
        "--colab-branch",
        default="student",
        help="branch holding the student edition (default: student)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="print a table of the chapters' exercises and write nothing",
    )
    parser.add_argument(
        "--roster",
        help="roster CSV (student_id column): one notebook per student, own inputs",
    )
    parser.add_argument(
        "--assessment", action="store_true", help="in-notebook feedback without hints"
    )
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.notebooks] or sorted(
        (ROOT / "chapters").glob("*.ipynb")
    )
    if not paths:
        print("no chapter notebooks found", file=sys.stderr)
        return 1
    if args.list:
        print(exercise_table(paths))
        return 0
    roster = read_roster(args.roster) if args.roster else None
    written = build(paths, args.out, args.clear_all_outputs, args.colab_repo,
                    args.colab_branch, roster, args.assessment)  # fmt: skip
    for target in written:
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
