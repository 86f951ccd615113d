"""Grade a folder of submitted student notebooks (see the instructor guide).

    python tools/grade.py submissions/                    # -> grades/grades.csv
    python tools/grade.py submissions/ --chapter 02_mlp_forward --out grades/ch02.csv
    python tools/grade.py submissions/ --roster roster.csv --jobs 4

Every notebook under the folder is pre-checked, executed in a contained kernel (a
throwaway folder, a scrubbed environment, a read-only copy of the library, limits on
memory, CPU, files, processes and output, a wall clock; namespaces where the machine
allows) and its answers exported as plain data; the verdicts are computed in this
process. The CSV has a row for every submission; beside it, ``<stem>/`` holds the
executed notebooks, feedback pages, Gradescope-style results and the written answers.
"""

import argparse
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course import grader, reports  # noqa: E402
from course.roster import read_roster  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("submissions", help="folder of submitted notebooks (searched recursively)")
    add("--out", default=str(ROOT / "grades" / "grades.csv"), help="CSV to write")
    add("--chapter", help="grade every submission as this chapter (notebook stem)")
    add("--chapters", default=str(ROOT / "chapters"), help="folder of the chapters")
    add("--roster", help="roster CSV (student_id column): per-student variants")
    add("--jobs", type=int, default=os.cpu_count() or 1, help="parallel submissions")
    add("--cell-timeout", type=float, default=120, help="seconds per cell")
    add("--timeout", type=float, default=900, help="seconds per notebook")
    add("--memory-mb", type=int, default=8192, help="address-space limit per kernel")
    add("--kernel-path", action="append", default=[], help="extra module for kernels")
    add("--seed", type=int, help="seed of the hidden inputs (default: secret, per run)")
    add("--assessment", action="store_true", help="feedback without hints")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    if not pathlib.Path(args.submissions).exists():
        print(f"no such folder or notebook: {args.submissions}", file=sys.stderr)
        return 2
    settings = grader.Settings(
        chapters_dir=pathlib.Path(args.chapters), chapter=args.chapter,
        roster=read_roster(args.roster) if args.roster else {}, jobs=args.jobs,
        cell_timeout=args.cell_timeout, timeout=args.timeout,
        memory_mb=args.memory_mb, seed=args.seed, assessment=args.assessment,
        kernel_paths=[pathlib.Path(p).resolve() for p in args.kernel_path],
    )  # fmt: skip
    start = time.monotonic()
    rows = grader.grade_folder(args.submissions, settings)
    reports.write_all(rows, args.out)
    took = time.monotonic() - start
    print(f"wrote {args.out} ({len(rows)} submissions, {took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
