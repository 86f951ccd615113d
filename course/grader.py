"""Grade a folder of submissions: verdicts in the grader's own process.

For each submission the grader (1) finds its chapter and student, runs the pre-checks,
(2) writes a copy with export cells (``course.prepare``), (3) has a worker process run
it in a contained kernel (``course.runner``, ``course.sandbox``), (4) reads the exported
answers as plain data (``course.plain``) and computes every verdict here, with this
process's own copy of the checks. The student's kernel never decides a grade. Rows are
returned in submission order whatever the number of parallel jobs.
"""

import concurrent.futures
import dataclasses
import importlib
import pathlib
import re
import secrets
import sys
import tempfile

import nbformat

from course import plain
from course.exercise import Code, Feedback, Value, exercises, variant_rng
from course.harvest import MIME
from course.history import own_versions
from course.jobs import job_for, run_worker
from course.nbtools import check_arguments, tags
from course.prepare import GRADER_TAG, course_metadata, graded_notebook, prechecks
from course.roster import find_student
from course.verdict import NotAnswered, code_verdict, value_verdict

COURSE_ROOT = pathlib.Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Settings:
    chapters_dir: pathlib.Path = COURSE_ROOT / "chapters"
    chapter: str | None = None  # grade everything as this chapter (a notebook stem)
    roster: dict = dataclasses.field(default_factory=dict)  # student id -> variant
    jobs: int = 1
    cell_timeout: float = 120
    timeout: float = 900
    memory_mb: int = 8192
    kernel_paths: list = dataclasses.field(default_factory=list)
    seed: int | None = None  # None: a secret seed per run for the hidden inputs
    assessment: bool = False
    namespaces: bool | None = None  # None: use them when the machine allows


def chapter_module_name(stem):
    return "ch" + stem.split("_")[0]


def find_chapter(path, nb, settings):
    stems = {p.stem for p in pathlib.Path(settings.chapters_dir).glob("*.ipynb")}
    if settings.chapter:
        return settings.chapter
    named = course_metadata(nb).get("chapter") or nb.metadata.get("mlplib", {}).get(
        "chapter"
    )
    if named in stems:
        return named
    matches = [stem for stem in stems if stem in path.stem]
    return max(matches, key=len) if matches else None


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


def exported(nb):
    """``{label: payload}`` from the grader cells' export outputs (first per label)."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or GRADER_TAG not in tags(cell):
            continue
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get(MIME)
            try:
                payload = plain.loads(text) if text else None
            except ValueError:
                payload = None
            if isinstance(payload, dict) and isinstance(payload.get("label"), str):
                found.setdefault(payload["label"], payload)
                break
    return found


def export_problems(nb):
    """``{label: why}`` for grader cells that ran but exported nothing (an error, or
    the cell time limit while calling the student's function)."""
    problems = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or GRADER_TAG not in tags(cell):
            continue
        label = re.search(r"export\('(ch\d+-ex\d+)'", cell.source)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if label and errors:
            name = errors[0].get("ename", "error")
            why = (
                "interrupted at the cell time limit"
                if name == "KeyboardInterrupt"
                else name
            )
            problems[label.group(1)] = f"not graded: its export failed ({why})"
    return problems


def verdict(ex, payload, data, cases):
    """Raise Feedback unless the exported ``payload`` answers ``ex`` correctly."""
    if isinstance(ex, Value):
        errors = payload.get("errors") or {}
        if errors:
            name, why = next(iter(errors.items()))
            raise Feedback(f"{name} could not be read ({why}).")
        value_verdict(ex, data, dict(payload.get("answers") or {}))
        return
    if "function" in payload:
        problem = payload["function"]
        if problem == "NoneType":
            raise NotAnswered()
        raise Feedback(f"{ex.name} is not a function ({problem}).")
    results = [tuple(r) for r in payload["results"]]
    code_verdict(ex, cases, results)


def score(executed, exs, skip, variant, cases, status, settings):
    """``({label: points}, {label: feedback})`` for the graded exercises."""
    payloads, problems = exported(executed), export_problems(executed)
    marks, feedback = {}, {}
    for label, ex in exs.items():
        if label in skip or not isinstance(ex, (Value, Code)):
            continue
        marks[label] = 0
        payload = payloads.get(label)
        if payload is None:
            reached = f"not graded: the notebook did not reach it ({status})"
            feedback[label] = problems.get(label, reached)
            continue
        data = ex.inputs(variant) if isinstance(ex, Value) else None
        try:
            verdict(ex, payload, data, cases.get(label))
        except Feedback as fb:
            feedback[label] = fb.text(settings.assessment)
            continue
        except Exception as error:  # malformed export: not the student's answer
            feedback[label] = f"not graded: unreadable export ({type(error).__name__})"
            continue
        marks[label] = ex.points
    return marks, feedback


def grade_one(path, rel, settings):
    """Grade one submission; return its row (a dict)."""
    row = {"submission": str(rel), "student": "", "chapter": "", "marks": {}}
    row.update(feedback={}, flags=[], labels=[], status="", nb=None, executed=None)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:
        row["status"] = f"unreadable: {type(error).__name__}"
        return row
    row["nb"] = nb
    chapter = find_chapter(pathlib.Path(rel), nb, settings)
    if chapter is None:
        row["status"] = "no chapter: pass --chapter or keep the student edition's name"
        return row
    meta, module = course_metadata(nb), chapter_module_name(chapter)
    exs, notes = own_versions(COURSE_ROOT, meta, exercises(module), module)
    student = find_student(rel, meta, settings.roster)
    variant = settings.roster.get(student) if student else None
    if student is None and not settings.roster:
        variant = meta.get("variant")
    flags, skip = prechecks(nb, chapter, exs, student, variant)
    flags += notes
    row.update(chapter=chapter, student=student or "", flags=flags)
    row["labels"] = [label for label in exs if label not in skip]
    row["meta"] = meta
    cases = hidden_cases(exs, settings, rel)
    graded = {k: v for k, v in exs.items() if k not in skip}
    calls = reference_calls(pathlib.Path(settings.chapters_dir) / f"{chapter}.ipynb")
    prepared = graded_notebook(nb, graded, calls, cases)
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        tmp = pathlib.Path(tmp)
        job = job_for(tmp, prepared, variant, settings)
        status, executed, result = run_worker(job, tmp)
    row.update(status=status, executed=executed, run=result)
    if executed is None:
        executed = prepared
    row["marks"], row["feedback"] = score(
        executed, graded, skip, variant, cases, status, settings
    )
    return row


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


def grade_folder(folder, settings, log=print):
    """Grade every notebook under ``folder``; rows in submission order."""
    folder = pathlib.Path(folder)
    load_kernel_paths(settings.kernel_paths)
    paths = submissions_in(folder)

    def one(path):
        rel = path.relative_to(folder) if folder.is_dir() else pathlib.Path(path.name)
        row = grade_one(path, rel, settings)
        got, top = sum(row["marks"].values()), len(row["marks"])
        log(f"{rel}: {got} points in {top} exercises ({row['status']})")
        return row

    with concurrent.futures.ThreadPoolExecutor(max(1, settings.jobs)) as pool:
        return list(pool.map(one, paths))
