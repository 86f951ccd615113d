"""Time the grader on a class: N student-edition submissions of each chapter.

    python benchmarks/grading.py                       # 40 of chapters 4, 5 and 8
    python benchmarks/grading.py --count 10 --chapters 04_optimizers

Each submission is the chapter's student edition for one student of a generated
Canvas roster, graded in the sandbox with ``jobs`` = the cores available (the
default of ``make grade``). Prints, per chapter, the wall time for the whole class,
seconds per submission (mean and max of the sandbox runs) and the peak memory of one
sandbox (all its processes together, from its control group), and writes the table
to ``benchmarks/grading-results.md``. The machine's load is printed with it: timings
on a shared machine are upper bounds.
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]
import student_edition  # noqa: E402

from course.grading import grader, integrity, lms  # noqa: E402

CHAPTERS = ["04_optimizers", "05_mnist", "08_data_parallel"]


def roster(folder, count):
    path = folder / "roster.csv"
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section"]
    lines += [f'"Student, {i}",{60000 + i},{i},s{i},A' for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return lms.read_roster(path)


def one_chapter(folder, chapter, ids, key, jobs):
    subs = folder / chapter
    subs.mkdir()
    source = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    for n, (sid, variant) in enumerate(ids.items()):
        nb = student_edition.student_notebook(
            source, chapter, variant=variant, student=sid, key=key, edition="bench"
        )
        nbformat.write(nb, subs / f"student{n}_{sid}_{700000 + n}_{chapter}.ipynb")
    settings = grader.Settings(chapter=chapter, roster=ids, jobs=jobs, key=key)
    start = time.monotonic()
    rows = grader.grade_folder(subs, settings, log=lambda *a: None)
    wall = time.monotonic() - start
    runs = [r["run"] for r in rows if r.get("run")]
    bad = [r["status"] for r in rows if r["status"] != "complete"]
    seconds = [r["seconds"] for r in runs]
    return {
        "chapter": chapter, "count": len(rows), "wall_s": wall,
        "mean_s": statistics.mean(seconds), "max_s": max(seconds),
        "peak_mb": max(r["peak_mb"] for r in runs), "failed": len(bad),
    }  # fmt: skip


def table(results, jobs):
    load = os.getloadavg()
    lines = [
        f"Grading benchmark: jobs = {jobs}, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the end.",
        "",
        "| chapter | submissions | wall time | s per submission (mean, max) "
        "| peak MiB per sandbox | not complete |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['chapter']} | {r['count']} | {r['wall_s'] / 60:.1f} min | "
            f"{r['mean_s']:.1f}, {r['max_s']:.1f} | {r['peak_mb']} | {r['failed']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--chapters", nargs="*", default=CHAPTERS)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "grading-results.md")
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        key = integrity.load_key(tmp / "key", create=True)
        ids = roster(tmp, args.count)
        for chapter in args.chapters:
            results.append(one_chapter(tmp, chapter, ids, key, args.jobs))
            print(table(results, args.jobs), flush=True)
    pathlib.Path(args.out).write_text(table(results, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
