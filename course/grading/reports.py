"""What the grader writes: the CSV, executed notebooks, feedback, written answers.

``<out>.csv`` has one row per submission (every submission, whatever happened to it):
``submission``, ``student``, ``chapter``, ``edition``, a column of points per exercise,
``score``, ``max``, ``flags``, ``status``, ``feedback``. Written exercises have an empty
column for the instructor; a re-run keeps what was typed there. Beside the CSV, under
``<stem>/``: ``executed/`` (cleaned per run), ``feedback/`` (an HTML page per
submission), ``gradescope/`` (a results JSON per submission), ``written/`` (one HTML
page per written exercise with its rubric and every answer), ``runs.csv`` (seconds
and peak memory per submission) and ``gradebook.csv`` (student, score, max).
"""

import csv
import html
import json
import pathlib
import shutil

import nbformat
from markdown_it import MarkdownIt

from course.exercise import Written, exercises
from course.grading import lms
from course.grading.grader import chapter_module_name
from course.grading.prepare import restore_skipped
from course.nbtools import exercise_label, tags

FIXED = ["submission", "student", "chapter", "edition"]
TAIL = ["score", "max", "flags", "status", "feedback"]
MARKDOWN = MarkdownIt("commonmark", {"html": False})


def chapter_exercises(rows):
    """``{label: exercise}`` of every chapter among ``rows``, in chapter order."""
    found = {}
    for chapter in dict.fromkeys(row["chapter"] for row in rows if row["chapter"]):
        found.update(exercises(chapter_module_name(chapter)))
    return found


def previous_hand_marks(out, written):
    if not out.exists():
        return {}
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    keep = {}
    for row in rows:
        marks = {k: row[k] for k in written if row.get(k, "").strip()}
        keep[row.get("submission")] = marks
    return keep


def number(text):
    try:
        return float(text)
    except ValueError:
        return 0.0


def csv_row(row, exs, hand):
    written = [label for label, ex in exs.items() if isinstance(ex, Written)]
    mine = {k: v for k, v in exs.items() if k.split("-")[0] == chapter_prefix(row)}
    cells = {label: row["marks"].get(label, "") for label in exs}
    cells.update({k: v for k, v in hand.items() if k in written})
    hand_points = sum(number(hand[k]) for k in hand if k in written)
    graded = [k for k in row["labels"] if k in mine]
    top = sum(exs[k].points for k in graded)
    total = sum(row["marks"].values()) + hand_points
    feedback = " | ".join(f"{k}: {v}" for k, v in row["feedback"].items())
    return {
        "submission": row["submission"],
        "student": row["student"],
        "chapter": row["chapter"],
        "edition": (row.get("meta") or {}).get("edition", ""),
        **cells,
        "score": f"{total:g}",
        "max": top,
        "flags": "; ".join(row["flags"]),
        "status": row["status"],
        "feedback": feedback,
    }


def chapter_prefix(row):
    return chapter_module_name(row["chapter"]) if row["chapter"] else ""


def write_csv(rows, out):
    out = pathlib.Path(out)
    exs = chapter_exercises(rows)
    written = [label for label, ex in exs.items() if isinstance(ex, Written)]
    hand = previous_hand_marks(out, written)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIXED + list(exs) + TAIL)
        writer.writeheader()
        for row in rows:
            writer.writerow(csv_row(row, exs, hand.get(row["submission"], {})))
    return exs


def report_dir(out):
    out = pathlib.Path(out)
    return out.parent / out.stem


def write_runs(rows, folder, settings):
    """``runs.csv``: per submission, seconds, peak memory of the whole sandbox, the
    containment, the hidden-input seed (a regrade reuses it) and the code digest."""
    with (folder / "runs.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        head = ["submission", "seconds", "peak_mb", "contained", "cgroup", "status"]
        writer.writerow([*head, "seed", "digest"])
        for row in rows:
            run = row.get("run") or {}
            cells = [run.get(k, "") for k in head[1:5]]
            writer.writerow([row["submission"], *cells, row["status"], settings.seed,
                             row.get("digest", "")])  # fmt: skip


def write_executed(rows, folder):
    """Executed notebooks to hand back: grader cells removed, skipped cells back as
    code cells without outputs; the folder is new."""
    target = folder / "executed"
    shutil.rmtree(target, ignore_errors=True)
    for row in rows:
        nb = row.get("executed")
        if nb is None:
            continue
        nb.cells = [c for c in nb.cells if "grader" not in tags(c)]
        restore_skipped(nb)
        path = target / row["submission"]
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def written_answers(nb, label):
    """The text of the answer cells of written exercise ``label`` in ``nb``."""
    texts = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("course", {})
        mine = isinstance(meta, dict) and meta.get("answer") == label
        legacy = "answer" in tags(cell) and f"(exercise {label})" in cell.source
        if cell.cell_type == "markdown" and (mine or legacy):
            lines = cell.source.splitlines()
            texts.append("\n".join(x for x in lines if "**Your answer" not in x))
    return "\n\n".join(t.strip() for t in texts if t.strip())


def page(title, body):
    style = "body{font-family:sans-serif;max-width:50em;margin:2em auto}"
    style += ".answer{border-left:4px solid #888;padding:0 1em;margin:1em 0}"
    head = f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
    return f"<!doctype html><html><head>{head}<style>{style}</style></head>" + (
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def write_written(rows, exs, folder):
    target = folder / "written"
    shutil.rmtree(target, ignore_errors=True)
    for label, ex in exs.items():
        if not isinstance(ex, Written):
            continue
        parts = [f"<p><b>Rubric ({ex.points} points):</b> {html.escape(ex.rubric)}</p>"]
        for row in rows:
            if row.get("nb") is None or label not in row["labels"]:
                continue
            who = html.escape(row["student"] or row["submission"])
            text = written_answers(row["nb"], label)
            prose = MARKDOWN.render(text) if text else "<p><b>blank</b></p>"
            code = own_code(row, label)
            parts.append(f"<h2>{who}</h2><div class='answer'>{prose}</div>{code}")
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{label}.html").write_text(
            page(f"{label}: {ex.title}", "".join(parts))
        )


def own_code(row, label):
    """The student's own code cells of exercise ``label``, with what their run
    printed, as HTML ("" when there are none)."""
    nb, mine = row.get("executed"), set(row.get("mine") or ())
    if nb is None or not mine:
        return ""
    inside, parts = False, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and exercise_label(cell.source):
            inside = exercise_label(cell.source) == label
        if inside and cell.cell_type == "code" and cell.get("id") in mine:
            out = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                          for o in cell.get("outputs", []))  # fmt: skip
            parts.append(f"<pre>{html.escape(cell.source)}</pre>")
            parts.append(
                f"<pre class='out'>{html.escape(out[:5000])}</pre>" if out else ""
            )
    return "".join(parts)


def write_feedback(rows, exs, folder):
    """One HTML page and one Gradescope-style results JSON per submission."""
    for sub in ("feedback", "gradescope"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    for row in rows:
        tests, items = [], []
        for label in row["marks"]:
            ex, got = exs[label], row["marks"][label]
            output = row["feedback"].get(label, "correct")
            tests.append({"name": f"{label}: {ex.title}", "score": got,
                          "max_score": ex.points, "output": output})  # fmt: skip
            items.append(
                f"<li><b>{label}</b> ({got}/{ex.points}): {html.escape(output)}</li>"
            )
        flags = "".join(f"<li>{html.escape(f)}</li>" for f in row["flags"])
        body = f"<p>Status: {html.escape(row['status'])}</p><ul>{''.join(items)}</ul>"
        body += f"<p>Flags:</p><ul>{flags}</ul>" if flags else ""
        name = pathlib.Path(row["submission"])
        for sub, suffix, text in (
            ("feedback", ".html", page(f"Feedback: {row['submission']}", body)),
            (
                "gradescope",
                ".json",
                json.dumps(
                    {"score": sum(row["marks"].values()), "tests": tests}, indent=1
                ),
            ),  # fmt: skip
        ):
            path = folder / sub / name.with_suffix(suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def write_gradebook(rows, exs, folder, roster=None, id_column=None):
    """``gradebook.csv``: one row per roster student (the counted submission of a
    duplicate; empty score for none) in the columns the roster's LMS imports, the
    score column named by the chapter; without a roster, one row per submission."""
    chapter = next((r["chapter"] for r in rows if r["chapter"]), "score")
    top = sum(ex.points for ex in exs.values())
    counted = [r for r in rows if r.get("counted", True)]
    if roster is None:
        table = [{"student_id": r["student"] or r["submission"]} for r in counted]
        kind, column = "plain", "student_id"
    else:
        kind, column, table = lms.roster_table(roster, id_column)
    columns = [c for c in lms.GRADEBOOK_COLUMNS[kind] if c in (table or [{}])[0]]
    scores = {r["student"] or r["submission"]: total(r) for r in counted}
    with (folder / "gradebook.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        score = "Grade" if kind == "Moodle" else chapter
        writer.writerow([*columns, score, "max"])
        for entry in table:
            sid = lms.clean_id(entry.get(column), kind)
            writer.writerow([*(entry.get(c, "") for c in columns),
                             scores.get(sid, ""), top])  # fmt: skip


def total(row):
    return f"{sum(row['marks'].values()):g}"


def summary(rows):
    """The end-of-run summary: every flag, with its submission."""
    lines = [f"{len(rows)} submissions graded; flags:"]
    for row in rows:
        lines += [f"  {row['submission']}: {flag}" for flag in row["flags"]]
    return "\n".join(lines) if len(lines) > 1 else f"{len(rows)} submissions, no flags"


def by_chapter(rows, out):
    """``{csv path: rows}``: one CSV per chapter when a folder mixes chapters."""
    out = pathlib.Path(out)
    chapters = sorted({r["chapter"] for r in rows if r["chapter"]})
    if len(chapters) <= 1:
        return {out: rows}
    chapters += [""] if any(not r["chapter"] for r in rows) else []
    return {
        out.with_name(f"{out.stem}-{c or 'unknown'}.csv"): [
            r for r in rows if r["chapter"] == c
        ]
        for c in chapters
    }


def write_all(rows, out, roster=None, settings=None):
    """Every report; returns the CSV paths written."""
    written = []
    for path, group in by_chapter(rows, out).items():
        exs = write_csv(group, path)
        folder = report_dir(path)
        folder.mkdir(parents=True, exist_ok=True)
        id_column = getattr(settings, "id_column", None)
        auto = {k: v for k, v in exs.items() if not isinstance(v, Written)}
        write_gradebook(group, auto, folder, roster, id_column)
        if settings is not None:
            write_runs(group, folder, settings)
        write_executed(group, folder)
        write_written(group, exs, folder)
        write_feedback(group, exs, folder)
        written.append(path)
    return written
