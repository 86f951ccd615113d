"""Grade a folder of submitted student notebooks: execute each, run the checks, write a CSV.

    python tools/grade.py submissions/                       # -> grades/grades.csv
    python tools/grade.py submissions/ --reference chapters/02_mlp_forward.ipynb --out grades/ch02.csv
    python tools/grade.py submissions/ --cell-timeout 60 --timeout 600

For every ``*.ipynb`` under the folder (sub-folders too, e.g. one per student):

1. The reference chapter is ``--reference`` when given, otherwise the chapter the student edition
   was built from (notebook metadata ``mlplib.chapter``), otherwise the chapter whose file name
   the submission's name contains.
2. Stored outputs are cleared. After each of the student's check cells, and at the end for
   checks the student deleted, the grader adds the *reference* chapter's check cell. Only the
   output of those added cells counts, so a printed "✔" or an edited check cell earns nothing,
   and every exercise the reference checks has a score, missing ones 0.
3. The notebook runs in its own fresh kernel (nbclient) with errors allowed (a failing cell does
   not stop the rest), a per-cell time limit (the kernel is interrupted and the next cell runs)
   and a wall-clock limit for the whole notebook (the kernel's process group is killed; what
   had not run scores 0). A kernel that dies is contained the same way.
4. ``✔ label: correct`` scores 1, ``✘ label: feedback`` scores 0 and the feedback is kept; a check
   cell that raised (say a NameError because the answer cell failed) scores 0 with the error.

Output: one CSV row per submission with a 1/0 column per exercise label, ``score``, ``max``,
``status`` and ``feedback``; the executed notebooks go to ``executed/`` beside the CSV, to hand
back to students.
"""
import argparse
import copy
import csv
import os
import pathlib
import re
import signal
import sys
import tempfile
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from student_edition import CHECK_TAG, check_calls, tags  # noqa: E402

GRADER_TAG = "grader"
VERDICT = re.compile(r"^([✔✘]) (ch\d+-ex\d+): ?(.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- reference chapters ----------------------------------------------------------------------

def reference_checks(nb):
    """The reference chapter's check cells as ``[(labels, source)]``, in notebook order."""
    checks = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        labels = list(dict.fromkeys(label for label, _ in check_calls(cell.source)))
        if labels:
            checks.append((labels, cell.source))
    return checks


def exercise_labels(checks):
    return list(dict.fromkeys(label for labels, _ in checks for label in labels))


def find_reference(path, nb, chapters):
    """The reference chapter path for submission ``nb`` (see the module docstring), or None."""
    by_stem = {p.stem: p for p in chapters}
    meta = nb.metadata.get("mlplib", {}).get("chapter")
    if meta in by_stem:
        return by_stem[meta]
    named = [stem for stem in by_stem if stem in path.stem]
    if named:
        return by_stem[max(named, key=len)]
    return None


# --- preparing and running a submission ------------------------------------------------------

def grader_cell(source):
    cell = nbformat.v4.new_code_cell(
        "from course import check\n" + source, metadata={"tags": [CHECK_TAG, GRADER_TAG]}
    )
    cell.pop("id", None)
    return cell


def prepare(nb, checks):
    """A copy of submission ``nb`` with outputs cleared and the reference check cells added."""
    nb = copy.deepcopy(nb)
    placed, cells = set(), []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
            cell.metadata["tags"] = [t for t in tags(cell) if t != GRADER_TAG]
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        mentioned = {label for label, _ in check_calls(cell.source)}
        for i, (labels, source) in enumerate(checks):
            if i not in placed and mentioned & set(labels):
                cells.append(grader_cell(source))
                placed.add(i)
    cells += [grader_cell(source) for i, (_, source) in enumerate(checks) if i not in placed]
    nb.cells = cells
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    for cell in nb.cells:  # cell ids: nbformat 4.5 wants one on every cell
        cell.setdefault("id", os.urandom(4).hex())
    return nb


def run(nb, cell_timeout, timeout, workdir, kernel_name="python3"):
    """Execute ``nb`` in place in a fresh kernel; return a status string.

    Each cell may run ``cell_timeout`` seconds before the kernel is interrupted (the next cell
    then runs); after ``timeout`` seconds in all the kernel's process group is killed.
    """
    client = NotebookClient(
        nb, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        kernel_name=kernel_name, record_timing=False, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(workdir)}},
    )
    killed = threading.Event()

    def kill():
        km = client.km
        pgid = getattr(getattr(km, "provisioner", None), "pgid", None)
        if pgid:
            killed.set()
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    try:
        client.execute()
        return "complete"
    except DeadKernelError:
        return f"stopped: notebook time limit of {timeout:g} s" if killed.is_set() else "stopped: the kernel died"
    except CellTimeoutError:
        return f"stopped: a cell ran over {cell_timeout:g} s and could not be interrupted"
    except Exception as error:  # the grader must go on with the next submission
        if killed.is_set():
            return f"stopped: notebook time limit of {timeout:g} s"
        return f"stopped: {type(error).__name__}: {error}".splitlines()[0]
    finally:
        timer.cancel()


# --- reading the results ---------------------------------------------------------------------

def output_text(cell):
    """stdout of a cell as one string."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def cell_error(cell):
    """``"Name: message"`` of the error a cell raised, or None."""
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            message = ANSI.sub("", f"{o.get('ename')}: {o.get('evalue')}").strip()
            if o.get("ename") == "KeyboardInterrupt":
                return "interrupted at the per-cell time limit (an endless loop?)"
            return message
    return None


def verdicts(text):
    """``[(label, passed, feedback)]`` from check lines; feedback may run over several lines."""
    found = []
    for line in text.splitlines():
        match = VERDICT.match(line)
        if match:
            found.append([match.group(2), match.group(1) == "✔", match.group(3)])
        elif found and not found[-1][1] and line.strip():
            found[-1][2] += " " + line.strip()
    return [(label, passed, " ".join(fb.split())) for label, passed, fb in found]


def score(nb, labels, status):
    """``({label: 0/1}, {label: feedback})`` from the grader cells of executed ``nb``."""
    marks, feedback = {label: 0 for label in labels}, {}
    results = {label: [] for label in labels}
    earlier_error = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if GRADER_TAG not in tags(cell):
            earlier_error = earlier_error or cell_error(cell)  # the first failure explains the rest
            continue
        cell_labels = [label for label, _ in check_calls(cell.source)]
        found = verdicts(output_text(cell))
        for label, passed, fb in found:
            if label in results:
                results[label].append((passed, fb))
        for label in cell_labels:
            if label not in results or results[label]:
                continue
            if cell.execution_count is None:
                why = f"not run ({status})"
            else:
                why = "check failed: " + (cell_error(cell) or "it printed no verdict")
                if earlier_error and earlier_error not in why:
                    why += f" (an earlier cell failed: {earlier_error})"
            results[label].append((False, why))
        earlier_error = None
    for label, outcomes in results.items():
        if outcomes and all(passed for passed, _ in outcomes):
            marks[label] = 1
        else:
            messages = [fb for passed, fb in outcomes if not passed] or [f"not run ({status})"]
            feedback[label] = "; ".join(dict.fromkeys(messages))
    return marks, feedback


# --- the command -----------------------------------------------------------------------------

def grade_one(path, chapters, reference=None, cell_timeout=120, timeout=900, executed_path=None):
    """Grade one submission; return a dict (the CSV row, exercise columns by label)."""
    row = {"submission": str(path), "chapter": "", "labels": [], "marks": {}, "feedback": {}}
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:
        row["status"] = f"unreadable: {type(error).__name__}: {error}".splitlines()[0]
        return row
    ref_path = reference or find_reference(path, nb, chapters)
    if ref_path is None:
        row["status"] = "no reference chapter: pass --reference or keep the student edition's file name"
        return row
    checks = reference_checks(nbformat.read(ref_path, as_version=4))
    labels = exercise_labels(checks)
    row.update(chapter=pathlib.Path(ref_path).stem, labels=labels)
    graded = prepare(nb, checks)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as workdir:
        status = run(graded, cell_timeout, timeout, workdir)
    row["seconds"] = round(time.monotonic() - start, 1)
    row["marks"], row["feedback"] = score(graded, labels, status)
    row["status"] = status
    if executed_path is not None:
        executed_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(graded, executed_path)
    return row


def write_csv(rows, out):
    labels = list(dict.fromkeys(label for row in rows for label in row["labels"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "chapter", *labels, "score", "max", "status", "feedback"])
        for row in rows:
            marks = row["marks"]
            cells = [marks[label] if label in marks else "" for label in labels]
            feedback = " | ".join(f"{label}: {fb}" for label, fb in row["feedback"].items())
            writer.writerow([row["submission"], row["chapter"], *cells, sum(marks.values()),
                             len(row["labels"]), row["status"], feedback])


def submissions_in(folder):
    folder = pathlib.Path(folder)
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def grade(folder, out, chapters_dir=ROOT / "chapters", reference=None, cell_timeout=120, timeout=900, log=print):
    """Grade every notebook under ``folder``; write the CSV ``out``; return the rows."""
    folder, out = pathlib.Path(folder), pathlib.Path(out)
    chapters = sorted(pathlib.Path(chapters_dir).glob("*.ipynb"))
    rows = []
    for path in submissions_in(folder):
        rel = path.relative_to(folder) if folder.is_dir() else pathlib.Path(path.name)
        row = grade_one(path, chapters, reference, cell_timeout, timeout, out.parent / "executed" / rel)
        row["submission"] = str(rel)
        rows.append(row)
        marks = row["marks"]
        log(f"{rel}: {sum(marks.values())}/{len(row['labels'])} ({row['status']}, {row.get('seconds', 0)} s)")
    write_csv(rows, out)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", help="folder of submitted notebooks (searched recursively), or one notebook")
    parser.add_argument("--out", default=str(ROOT / "grades" / "grades.csv"), help="CSV to write (default: grades/grades.csv)")
    parser.add_argument("--reference", help="grade every submission against this chapter notebook")
    parser.add_argument("--chapters", default=str(ROOT / "chapters"), help="folder of reference chapters (default: chapters/)")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell before the kernel is interrupted (default 120)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per notebook before its kernel is killed (default 900)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not pathlib.Path(args.submissions).exists():
        parser.error(f"no such folder or notebook: {args.submissions}")
    rows = grade(args.submissions, args.out, args.chapters,
                 pathlib.Path(args.reference) if args.reference else None, args.cell_timeout, args.timeout)
    print(f"wrote {args.out} ({len(rows)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
