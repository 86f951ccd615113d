"""Build the student edition: every chapter notebook without its solutions, checks kept.

    python tools/student_edition.py            # chapters/*.ipynb -> student/chapters/
    python tools/student_edition.py --out /tmp/student chapters/02_mlp_forward.ipynb
    python tools/student_edition.py --clear-all-outputs  # the narrative's outputs too
    python tools/student_edition.py --list     # table of every chapter's exercises

    python tools/student_edition.py --roster roster.csv   # one folder per student
    python tools/student_edition.py --assessment  # feedback without hints

What changes in each notebook is described in ``course/edition.py`` (the exercise format
is in CONTRIBUTING.md).

Besides the notebooks, ``student/README.md`` lists an "Open in Colab" link per chapter
for the place the student edition is published (``--colab-repo`` and
``--colab-branch``).
"""

import argparse
import pathlib
import re
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course.edition import (  # noqa: E402, F401  (names the tests use)
    ANSWER_TAG,
    CHECK_TAG,
    SOLUTION_TAG,
    student_notebook,
)
from course.grading import integrity  # noqa: E402
from course.grading.lms import RosterError, read_roster  # noqa: E402
from course.grading.roster import edition as repo_edition  # noqa: E402
from course.nbtools import check_calls, exercise_label, find_directive  # noqa: E402, F401

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


def readme(paths, repo_url, branch):
    """The edition's README: an "Open in Colab" link per notebook (``paths`` relative
    to the edition's folder)."""
    lines = [
        "# Neural Networks from Scratch: student edition",
        "",
        "The chapter notebooks with the exercise solutions removed. Write your answers",
        "in the cells marked `# Your code here`; the check cell under each exercise",
        "tells you what is right or wrong. Run the first cell in Colab: it installs",
        "the course (`mlplib` and its checks) at the version this edition was built",
        "from.",
        "",
        "| notebook | open |",
        "| --- | --- |",
    ]
    for path in paths:
        link = colab_link(repo_url, branch, path.as_posix())
        lines.append(f"| `{path.as_posix()}` | [Open in Colab]({link}) |")
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
          roster=None, assessment=False, key=None):  # fmt: skip
    """Write the student edition of ``paths`` into ``out/chapters`` and
    ``out/README.md``; with ``roster`` ({student id: variant}), one folder per student,
    ``out/students/<id>/chapters/``; ``key`` signs each notebook's record."""
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
                                     assessment, edition, key)  # fmt: skip
            nbformat.write(built, folder / path.name)
            written.append(folder / path.name)
    repo_url = colab_repo or repository()[0]
    relative = [p.relative_to(out) for p in written]
    (out / "README.md").write_text(readme(relative, repo_url, colab_branch))
    return written


def parse(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("notebooks", nargs="*", help="chapter notebooks (default: chapters/*.ipynb)")
    add(
        "--out", default=str(ROOT / "student"), help="output folder (default: student/)"
    )
    add("--clear-all-outputs", action="store_true", help="the narrative's outputs too")
    add("--colab-repo", help="GitHub url where the edition is published")
    add("--colab-branch", default="student", help="its branch (default: student)")
    add("--list", action="store_true", help="print the exercise table, write nothing")
    add("--roster", help="roster CSV as the LMS exports it: a notebook per student")
    add("--assessment", action="store_true", help="in-notebook feedback without hints")
    add("--id-column", help="the roster's id column (default: recognised by name)")
    add("--key", help=f"the signing key file (default: {integrity.DEFAULT_KEY})")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    default = sorted((ROOT / "chapters").glob("*.ipynb"))
    paths = [pathlib.Path(p) for p in args.notebooks] or default
    if not paths:
        print("no chapter notebooks found", file=sys.stderr)
        return 1
    if args.list:
        print(exercise_table(paths))
        return 0
    try:
        roster = read_roster(args.roster, args.id_column) if args.roster else None
    except RosterError as error:
        print(error, file=sys.stderr)
        return 2
    key = integrity.load_key(args.key, create=True)
    written = build(paths, args.out, args.clear_all_outputs, args.colab_repo,
                    args.colab_branch, roster, args.assessment, key)  # fmt: skip
    for target in written:
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
