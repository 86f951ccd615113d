"""Build the student edition: every chapter notebook without its solutions, checks kept.

    python tools/student_edition.py                      # chapters/*.ipynb -> student/chapters/
    python tools/student_edition.py --out /tmp/student chapters/02_mlp_forward.ipynb
    python tools/student_edition.py --clear-all-outputs  # also drop the narrative's outputs
    python tools/student_edition.py --list               # table of every chapter's exercises

What changes, per notebook (the exercise format is in CONTRIBUTING.md):

* Everything between a ``{solution-start} chNN-exK`` and its ``{solution-end}`` (the two
  directive cells, solution code cells, explanatory markdown) is removed and replaced by one
  code cell tagged ``answer``: ``# Your code here (exercise chNN-exK)`` followed by
  ``name = None`` for every answer variable the exercise's check cell passes by name. An exercise
  whose solution is only text (no code cell, no check) gets a markdown ``answer`` cell instead.
* Code cells tagged ``solution`` outside such a region, and one-piece ``{solution}`` directives
  in markdown, are removed too (nbconvert's ``TagRemovePreprocessor`` removes the tagged cells).
* Check cells (tag ``check``) stay, so students get the same feedback as in the book.
* Stored outputs are cleared from the first exercise on (no solution value can leak through a
  printed result); ``--clear-all-outputs`` clears the narrative's outputs as well.
* The Colab setup cell stays as it is: it installs mlplib, which holds the checks, from the
  course repository named in ``_config.yml``.

Besides the notebooks, ``student/README.md`` lists an "Open in Colab" link per chapter for the
place the student edition is published (``--colab-repo`` and ``--colab-branch``).
"""
import argparse
import ast
import copy
import pathlib
import re
import sys

import nbformat
import yaml
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

ROOT = pathlib.Path(__file__).resolve().parents[1]
LABEL = r"ch\d+-ex\d+"
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
ANSWER_TAG = "answer"
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](""" + LABEL + r""")["']""")


# --- markdown directives -------------------------------------------------------------------

def find_directive(text, name):
    """Locate the first MyST directive ``{name}`` in markdown ``text``.

    Returns ``(start, end, argument)``: the character span of the whole block, opening fence
    (``` or :::, any length) to its closing fence, and the directive's argument; or ``None``.
    A block that is never closed runs to the end of the text, as in MyST.
    """
    opening = re.compile(r"^[ \t]*(`{3,}|:{3,})\{" + re.escape(name) + r"\}[ \t]*(.*)$", re.M)
    match = opening.search(text)
    if match is None:
        return None
    fence = match.group(1)
    closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.M)
    close = closing.search(text, match.end())
    end = len(text) if close is None else close.end()
    return match.start(), end, match.group(2).strip()


def exercise_label(text):
    """The ``:label:`` of the ``{exercise}`` (or ``{exercise-start}``) directive in ``text``, if any."""
    for name in ("exercise", "exercise-start"):
        found = find_directive(text, name)
        if found is not None:
            label = re.search(r"^[ \t]*:label:[ \t]*(\S+)", text[found[0]:found[1]], re.M)
            if label:
                return label.group(1)
    return None


# --- check cells ---------------------------------------------------------------------------

def check_calls(source):
    """``[(label, [variable names])]`` for each ``check("chNN-exK", ...)`` call in a code cell.

    The variable names are those passed as plain names (``n3=n3`` gives ``n3``, ``check(label, W)``
    gives ``W``); an argument that is an expression (``model.W``) names nothing to pre-declare.
    Cells that are not plain Python (magics) fall back to the labels alone.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [(label, []) for label in CHECK_CALL.findall(source)]
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "check" or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        values = list(node.args[1:]) + [kw.value for kw in node.keywords]
        names = [v.id for v in values if isinstance(v, ast.Name)]
        calls.append((first.value, names))
    calls.sort(key=lambda call: source.find(call[0]))
    return calls


def answer_variables(nb):
    """Map each exercise label to the variable names its check cells pass, in order, no repeats."""
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
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [ANSWER_TAG]})


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


# --- the preprocessors ---------------------------------------------------------------------

class GatedSolutionRemover(Preprocessor):
    """Replace every ``{solution-start}`` ... ``{solution-end}`` region by one answer cell.

    Also replaces each run of ``solution``-tagged code cells outside a region (tag kept on the
    removed cells' stand-in is ``answer``), and cuts one-piece ``{solution}`` directives out of
    markdown cells. Text that shares a cell with a directive, before ``solution-start`` or
    after ``solution-end``, is kept.
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
                    before, text = text[:start[0]], text[start[1]:]
                    if before.strip():
                        cells.append(self._markdown_like(cell, before))
                    region, region_has_code = start[2] or current, False
                end = find_directive(text, "solution-end")
                if end is None:
                    continue  # explanatory solution text: removed
                close_region()
                region = None
                after = text[end[1]:]
                if after.strip():
                    cells.extend(self._without_solution_directives(self._markdown_like(cell, after), current))
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
            raise ValueError(f"{resources.get('name', 'notebook')}: {{solution-start}} {region} has no {{solution-end}}")
        nb.cells = cells
        return nb, resources

    @staticmethod
    def _markdown_like(cell, text):
        new = copy.deepcopy(cell)
        new.source = text.strip("\n")
        new.pop("attachments", None)
        return new

    def _without_solution_directives(self, cell, label):
        """The cell with every ``{solution}`` block cut out, plus an answer cell per block cut."""
        text, removed = cell.source, 0
        while (found := find_directive(text, "solution")) is not None:
            text = text[:found[0]] + text[found[1]:]
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


def student_notebook(nb, name="notebook", clear_all_outputs=False):
    """Return the student edition of notebook ``nb`` (a new object; ``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    resources = {"name": name}
    for pre in (
        GatedSolutionRemover(),
        TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True),
        ExerciseOutputClearer(clear_all=clear_all_outputs),
    ):
        nb, resources = pre.preprocess(nb, resources)
    nb.metadata["mlplib"] = {"student_edition": True, "chapter": name}
    return nb


# --- publishing ----------------------------------------------------------------------------

def repository():
    """(url, branch) of the course repository from _config.yml."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def colab_link(repo_url, branch, path):
    """Colab opens a notebook on GitHub at colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH."""
    owner_repo = re.sub(r"^https?://github\.com/", "", repo_url.rstrip("/")).removesuffix(".git")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"


def readme(names, repo_url, branch):
    lines = [
        "# Neural Networks from Scratch: student edition",
        "",
        "The chapter notebooks with the exercise solutions removed. Write your answers in the cells",
        "marked `# Your code here`; the check cell under each exercise tells you what is right or wrong.",
        "Run the first cell in Colab: it installs `mlplib`, the course library that holds the checks.",
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
    checked = {label for c in nb.cells if c.cell_type == "code" for label, _ in check_calls(c.source)}
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
    lines = ["| chapter | exercise | title | automatic check |", "| --- | --- | --- | --- |"]
    for path in paths:
        for label, title, checked in exercises(nbformat.read(path, as_version=4)):
            lines.append(f"| {pathlib.Path(path).stem} | {label} | {title} | {'yes' if checked else 'no (graded by hand)'} |")
    return "\n".join(lines)


def build(paths, out, clear_all_outputs=False, colab_repo=None, colab_branch="student"):
    """Write the student edition of ``paths`` into ``out/chapters`` and ``out/README.md``."""
    out = pathlib.Path(out)
    (out / "chapters").mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        path = pathlib.Path(path)
        nb = nbformat.read(path, as_version=4)
        student = student_notebook(nb, name=path.stem, clear_all_outputs=clear_all_outputs)
        target = out / "chapters" / path.name
        nbformat.write(student, target)
        written.append(target)
    repo_url = colab_repo or repository()[0]
    (out / "README.md").write_text(readme([p.stem for p in written], repo_url, colab_branch))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="chapter notebooks (default: chapters/*.ipynb)")
    parser.add_argument("--out", default=str(ROOT / "student"), help="output folder (default: student/)")
    parser.add_argument("--clear-all-outputs", action="store_true", help="clear the narrative's outputs too")
    parser.add_argument("--colab-repo", help="GitHub url where the student edition is published (default: the course repository)")
    parser.add_argument("--colab-branch", default="student", help="branch holding the student edition (default: student)")
    parser.add_argument("--list", action="store_true", help="print a table of the chapters' exercises and write nothing")
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))
    if not paths:
        print("no chapter notebooks found", file=sys.stderr)
        return 1
    if args.list:
        print(exercise_table(paths))
        return 0
    for target in build(paths, args.out, args.clear_all_outputs, args.colab_repo, args.colab_branch):
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
