"""Grade a folder of submissions: verdicts in the grader's own process.

For each submission the grader (1) finds its chapter and student and runs the
pre-checks (signed record, the student's own cells), (2) writes a copy with export
cells and without the cells no exercise depends on (``prepare``), (3) has a worker
process run it in a sandbox (``runner``, ``sandbox``), (4) reads the exported answers
as plain data (``course.kit.plain``) and computes every verdict here, with this
process's own copy of the checks. The student's kernel never decides a grade. Rows are
returned in submission order whatever the number of parallel jobs.
"""

import concurrent.futures
import dataclasses
import datetime
import importlib
import os
import pathlib
import secrets
import shutil
import sys
import tempfile

import nbformat

from course.exercise import Code, Value, exercises, variant_rng
from course.grading import integrity, jobs, lms, scan
from course.grading.history import own_versions
from course.grading.prepare import course_metadata, graded_notebook, prechecks
from course.grading.scoring import score
from course.kit import plain
from course.nbtools import check_arguments, tags

COURSE_ROOT = pathlib.Path(__file__).resolve().parents[2]
RENAMED = {  # chapter files renamed since an edition was issued: old stem -> new stem
    "06_blas_gpu": "07_blas_gpu",
    "07_data_parallel": "08_data_parallel",
}


@dataclasses.dataclass
class Settings:
    chapters_dir: pathlib.Path = COURSE_ROOT / "chapters"
    chapter: str | None = None  # grade everything as this chapter (a notebook stem)
    roster: dict = dataclasses.field(default_factory=dict)  # student id -> variant
    jobs: int = len(os.sched_getaffinity(0))  # the cores this process may use
    cell_timeout: float = 120
    timeout: float = 900
    memory_mb: int = 8192  # all the processes of one sandbox together
    processes: int = 512  # tasks (processes and threads) of one sandbox together
    cpus: float = 1.0  # CPUs one sandbox may use
    kernel_paths: list = dataclasses.field(default_factory=list)  # extra checks
    seed: int | None = None  # None: a secret seed per run for the hidden inputs
    assessment: bool = False
    uncontained: bool = False  # True: grade without bubblewrap (see the guide)
    key: bytes | None = None  # the instructor's edition key (integrity.load_key)
    forbidden: str = "zero"  # "zero": a forbidden routine scores 0; "flag": only flag
    only_needed: bool = True  # skip the cells no exercise depends on
    due: datetime.datetime | None = None  # submissions after it are flagged late
    id_column: str | None = None  # the roster's id column (None: recognised)
    library: dict | None = None  # {name: folder} kernels import (grade_folder sets it)


def chapter_module_name(stem):
    return "ch" + stem.split("_")[0]


def chapter_named(path, nb, settings):
    """The chapter stem a submission names: its record, else its file name."""
    stems = {p.stem for p in pathlib.Path(settings.chapters_dir).glob("*.ipynb")}
    named = course_metadata(nb).get("chapter") or nb.metadata.get("mlplib", {}).get(
        "chapter"
    )
    if isinstance(named, str) and named:
        return named
    matches = [stem for stem in stems | set(RENAMED) if stem in path.name]
    return max(matches, key=len) if matches else None


def chapter_exercises(named, meta):
    """``(stem graded, {label: exercise}, notes, labels)``: ``labels`` maps the
    submission's labels to today's; an edition made before a chapter was renamed is
    graded with its own labels (and so its own inputs)."""
    stem = RENAMED.get(named, named)
    module, old = chapter_module_name(stem), chapter_module_name(named)
    exs = exercises(module)
    labels = {k.replace(module, old, 1): k for k in exs}
    exs = {o: dataclasses.replace(exs[k], label=o) for o, k in labels.items()}
    exs, notes = own_versions(COURSE_ROOT, meta, exs, old)
    if stem != named:
        notes.append(f"older edition: made as {named}, graded as {stem}")
    return stem, exs, notes, labels


def reference_calls(chapter_path):
    calls = {}
    if chapter_path.exists():
        for cell in nbformat.read(chapter_path, as_version=4).cells:
            if cell.cell_type == "code":
                for label, kwargs in check_arguments(cell.source):
                    calls.setdefault(label, kwargs)
    return calls


def hidden_cases(exs, settings, rel):
    seed = settings.seed if settings.seed is not None else secrets.randbits(64)
    key = f"{seed}:{rel}"
    return {
        label: ex.make_cases(variant_rng(key, label))
        for label, ex in exs.items()
        if isinstance(ex, Code)
    }


def identify(rel, meta, settings):
    """``(student, variant, flags)`` from the file name, the roster and the record."""
    flags = []
    if not settings.roster:
        return meta.get("student") or "", meta.get("variant"), flags
    student, why = lms.find_student(rel, settings.roster)
    if student is None:
        flags.append(f"no student: {why}")
        return "", meta.get("variant"), flags
    if meta.get("variant") is None:
        flags.append("class-wide edition where a per-student one was issued")
    elif meta.get("variant") != settings.roster[student]:
        flags.append(f"made from another student's edition (not {student}'s)")
    return student, meta.get("variant"), flags


def student_written(nb, stem, settings):
    """The cells the student wrote: not in the instructor's student edition."""
    path = pathlib.Path(settings.chapters_dir) / f"{stem}.ipynb"
    chapter = nbformat.read(path, as_version=4) if path.exists() else nb
    sources = [c.source for c in chapter.cells]
    sources += [c.source for c in nb.cells if "course-variant" in tags(c)]
    return scan.student_cells(nb, sources)


def new_row(rel, settings):
    row = {"submission": str(rel), "student": "", "chapter": "", "marks": {}}
    row.update(feedback={}, flags=[], labels=[], status="", nb=None, executed=None)
    if settings.roster:
        row["student"] = lms.find_student(rel, settings.roster)[0] or ""
    late = lms.late(rel, settings.due)
    row["flags"] += [late] if late else []
    return row


def grade_one(path, rel, settings):
    """Grade one submission; return its row (a dict)."""
    row = new_row(rel, settings)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:
        row["status"] = f"unreadable: {type(error).__name__}"
        row["flags"].append("unreadable submission")
        row["chapter"] = settings.chapter or ""
        return row
    row["nb"], meta = nb, course_metadata(nb)
    named = chapter_named(pathlib.Path(rel), nb, settings) or settings.chapter
    if named is None:
        row["status"] = "no chapter: pass --chapter or keep the student edition's name"
        return row
    if settings.chapter and RENAMED.get(named, named) != settings.chapter:
        return wrong_chapter(row, named, settings.chapter)
    stem, exs, notes, labels = chapter_exercises(named, meta)
    row.update(chapter=settings.chapter or stem, meta=meta, renamed=labels)
    signed = integrity.verifies(meta, settings.key)
    if not signed:
        row["flags"].append("edited or unsigned edition record (graded in full)")
    student, variant, who = identify(pathlib.Path(rel), meta, settings)
    flags, skip = prechecks(nb, named, exs, None, variant, signed)
    row["flags"] += who + flags + notes
    row["student"] = student or row["student"]
    mine = student_written(nb, stem, settings)
    found, forbidden = scan.before_run(mine, exs)
    row["flags"] += found
    row["labels"] = [label for label in exs if label not in skip]
    cases = hidden_cases(exs, settings, rel)
    graded = {k: v for k, v in exs.items() if k not in skip}
    calls = reference_calls(pathlib.Path(settings.chapters_dir) / f"{stem}.ipynb")
    calls = {o: calls[k] for o, k in labels.items() if k in calls}
    always = [nb.cells[i].get("id") for i, _ in mine]
    row["mine"] = always
    prepared = graded_notebook(nb, graded, calls, cases, settings.only_needed, always)
    inputs = {k: ex.inputs(variant) for k, ex in exs.items() if isinstance(ex, Value)}
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        job = jobs.job_for(pathlib.Path(tmp), prepared, plain.dumps(inputs), settings)
        status, executed, result = jobs.run_worker(job, pathlib.Path(tmp))
    row.update(status=status, executed=executed, run=result)
    row["flags"] += run_flags(status, result, executed)
    marks, feedback = score(executed or prepared, graded, skip, variant, cases,
                            status, settings)  # fmt: skip
    if settings.forbidden == "zero":
        for label, why in forbidden.items():
            marks[label], feedback[label] = 0, f"not counted: {why}"
    row["marks"] = {labels.get(k, k): v for k, v in marks.items()}
    row["feedback"] = {labels.get(k, k): v for k, v in feedback.items()}
    row["labels"] = [labels.get(k, k) for k in row["labels"]]
    return row


def wrong_chapter(row, named, chapter):
    """The row of a notebook made from another chapter: flagged, 0 points."""
    exs = exercises(chapter_module_name(chapter))
    auto = [k for k, ex in exs.items() if isinstance(ex, (Value, Code))]
    row.update(chapter=chapter, labels=list(exs), status="not graded: another chapter")
    row["marks"] = dict.fromkeys(auto, 0)
    row["feedback"] = dict.fromkeys(auto, f"not graded: made from {named}")
    row["flags"].append(f"wrong chapter: made from another chapter: {named}")
    return row


def run_flags(status, result, executed):
    """Flags for what happened in the sandbox: a kill, a limit, a refused attempt."""
    flags = [status] if status.startswith(("killed", "stopped")) else []
    for limit, count in (result.get("limits_hit") or {}).items():
        flags.append(f"{limit} limit hit ({count} times)")
    if result.get("truncated"):
        flags.append("output over the limit (truncated)")
    if result and not result.get("contained"):
        flags.append("graded uncontained")
    if executed is not None:
        cells = scan.refused_attempts(executed)
        if cells:
            where = ", ".join(map(str, cells))
            flags.append(f"an attempt to write or mount outside failed (cells {where})")
    return flags


def submissions_in(folder):
    folder = pathlib.Path(folder)
    if folder.is_file():
        return [folder]
    found = folder.rglob("*.ipynb")
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


def load_kernel_paths(paths):
    """Import the extra modules given to kernels here too (they may register checks)."""
    for path in map(pathlib.Path, paths):
        if path.suffix == ".py":
            sys.path.insert(0, str(path.parent))
            importlib.import_module(path.stem)


def snapshot_library(folder):
    """Copy what the kernels get (mlplib, the kit) into ``folder``, once per run, so
    every submission runs the same code whatever changes in the repository; return
    ``{name: path}``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    found = {}
    for name, source in jobs.library().items():
        found[name] = str(pathlib.Path(folder) / name)
        shutil.copytree(source, found[name], ignore=ignore)
    return found


def mark_duplicates(rows, policy="latest"):
    """Flag every submission of a student who has several; the one the gradebook
    uses (``latest``: the last modified file; ``best``: the highest score) gets
    ``row["counted"] = True``, the others False."""
    by_student = {}
    for row in rows:
        row["counted"] = True
        if row["student"]:
            by_student.setdefault((row["student"], row["chapter"]), []).append(row)
    for (student, _), group in by_student.items():
        if len(group) < 2:
            continue
        if policy == "best":
            chosen = max(group, key=lambda r: sum(r["marks"].values()))
        else:
            chosen = max(group, key=lambda r: r.get("mtime", 0))
        for row in group:
            row["counted"] = row is chosen
            kept = "counted" if row is chosen else "not counted"
            row["flags"].append(
                f"duplicate: {len(group)} submissions from {student} ({kept}, {policy})"
            )


def grade_folder(folder, settings, log=print, duplicates="latest"):
    """Grade every notebook under ``folder``; rows in submission order."""
    folder = pathlib.Path(folder)
    load_kernel_paths(settings.kernel_paths)
    if settings.seed is None:
        settings.seed = secrets.randbits(63)
    paths = submissions_in(folder)
    with tempfile.TemporaryDirectory(prefix="course-library-") as lib:
        settings.library = snapshot_library(lib)
        digest = integrity.code_digest(settings.library.values())

        def one(path):
            rel = (
                path.relative_to(folder) if folder.is_dir() else pathlib.Path(path.name)
            )
            if integrity.code_digest(settings.library.values()) != digest:
                row = new_row(rel, settings)
                row["status"] = "not graded: the library copy changed (digest)"
                row["flags"].append(row["status"])
            else:
                row = grade_one(path, rel, settings)
            row["mtime"], row["digest"] = path.stat().st_mtime, digest
            got, top = sum(row["marks"].values()), len(row["marks"])
            log(f"{rel}: {got} points in {top} exercises ({row['status']})")
            return row

        with concurrent.futures.ThreadPoolExecutor(max(1, settings.jobs)) as pool:
            rows = list(pool.map(one, paths))
    mark_duplicates(rows, duplicates)
    return rows
