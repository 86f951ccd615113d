"""Re-execute notebooks in place so the outputs stored in them (what the book shows) are
current.

    python tools/execute.py chapters                  # every notebook under chapters/
    python tools/execute.py chapters/01_perceptron.ipynb

Runs each notebook in its own folder with the python3 kernel of this environment, with
TF_CPP_MIN_LOG_LEVEL=3 (set by the Makefile) so TensorFlow's C++ log lines never reach a
stored output. Timing metadata is not recorded, so re-running an unchanged chapter gives
an unchanged file apart from genuinely varying outputs.

A cell tagged ``check`` (an exercise's answer check) runs, but is stored without outputs
or execution count: the book then shows no verdict the reader has not earned, and nbval
runs it without comparing.
"""

import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "check"


def strip_verdicts(nb):
    """Drop the stored outputs of every check cell (the code stays)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
            cell.execution_count = None


def execute(path, timeout=1200):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    strip_verdicts(nb)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    paths = []
    for arg in args or ["chapters"]:
        p = pathlib.Path(arg)
        paths += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"executed {path} in {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
