"""Grade a folder of submitted student notebooks (see the instructor guide).

    python tools/grade.py submissions/                    # -> grades/grades.csv
    python tools/grade.py submissions/ --chapter 02_mlp_forward --out grades/ch02.csv
    python tools/grade.py submissions/ --roster canvas_roster.csv --jobs 4

Every notebook under the folder is pre-checked (its signed edition record, the cells
the student wrote), executed in a sandbox (bubblewrap: a private root holding only its
work folder, read-only copies of mlplib and the exercise kit, and the Python
environment; no capabilities; loopback only; a control group bounding memory,
processes and CPU where the machine allows; a cell and a notebook time limit), and its
answers exported as plain data; the verdicts are computed in this process. The CSV has
a row for every submission; beside it, ``<stem>/`` holds the executed notebooks,
feedback pages, the written answers, ``runs.csv`` and ``gradebook.csv`` for the LMS.
"""

import argparse
import csv
import datetime
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course.grading import grader, integrity, reports, sandbox  # noqa: E402
from course.grading.lms import RosterError, read_roster  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("submissions", help="folder of submitted notebooks (searched recursively)")
    add("--out", default=str(ROOT / "grades" / "grades.csv"), help="CSV to write")
    add("--chapter", help="grade every submission as this chapter (notebook stem)")
    add("--chapters", default=str(ROOT / "chapters"), help="folder of the chapters")
    add("--roster", help="roster CSV as Canvas, Moodle, Blackboard, Gradescope export")
    add("--id-column", help="the roster's id column (default: recognised by name)")
    cores = len(os.sched_getaffinity(0))
    add("--jobs", type=int, default=cores, help="parallel submissions")
    add("--cell-timeout", type=float, default=120, help="seconds per cell")
    add("--timeout", type=float, default=900, help="seconds per notebook")
    add("--memory-mb", type=int, default=8192, help="memory of one sandbox, MiB")
    add("--kernel-path", action="append", default=[], help="extra checks module")
    add("--seed", type=int, help="seed of the hidden inputs (default: the last run's)")
    add("--new-seed", action="store_true", help="draw a new secret seed")
    add("--assessment", action="store_true", help="feedback without hints")
    add("--key", help=f"edition key file (default: {integrity.DEFAULT_KEY})")
    add("--due", help="due date, YYYY-MM-DDTHH:MM: later attempts are flagged late")
    add("--duplicates", choices=["latest", "best"], default="latest")
    add("--forbidden", choices=["zero", "flag"], default="zero")
    add("--all-cells", action="store_true", help="run every cell, not only needed")
    add("--uncontained", action="store_true", help="grade without bubblewrap (unsafe)")
    return parser.parse_args(argv)


def last_seed(out):
    """The seed recorded by the previous run into ``out`` (None if none)."""
    runs = reports.report_dir(out) / "runs.csv"
    if not runs.exists():
        return None
    with runs.open(encoding="utf-8", newline="") as f:
        seeds = [row.get("seed") for row in csv.DictReader(f)]
    return int(seeds[0]) if seeds and seeds[0] else None


def settings_from(args, roster):
    seed = args.seed
    if seed is None and not args.new_seed:
        seed = last_seed(args.out)
    due = datetime.datetime.fromisoformat(args.due) if args.due else None
    return grader.Settings(
        chapters_dir=pathlib.Path(args.chapters), chapter=args.chapter, roster=roster,
        jobs=args.jobs, cell_timeout=args.cell_timeout, timeout=args.timeout,
        memory_mb=args.memory_mb, seed=seed, assessment=args.assessment,
        kernel_paths=[pathlib.Path(p).resolve() for p in args.kernel_path],
        key=integrity.load_key(args.key), due=due, forbidden=args.forbidden,
        only_needed=not args.all_cells, uncontained=args.uncontained,
        id_column=args.id_column,
    )  # fmt: skip


def main(argv=None):
    args = parse(argv)
    if not pathlib.Path(args.submissions).exists():
        print(f"no such folder or notebook: {args.submissions}", file=sys.stderr)
        return 2
    try:
        roster = read_roster(args.roster, args.id_column) if args.roster else {}
    except RosterError as error:
        print(error, file=sys.stderr)
        return 2
    if not args.uncontained and not sandbox.contained_available():
        print("bubblewrap (bwrap) cannot build a sandbox here: install it, or see the "
              "instructor guide for --uncontained", file=sys.stderr)  # fmt: skip
        return 2
    settings = settings_from(args, roster)
    start = time.monotonic()
    rows = grader.grade_folder(args.submissions, settings, duplicates=args.duplicates)
    written = reports.write_all(rows, args.out, args.roster, settings)
    took = time.monotonic() - start
    print(reports.summary(rows))
    print(
        f"wrote {', '.join(map(str, written))} ({len(rows)} submissions, {took:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
