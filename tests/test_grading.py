"""The grader cannot be fooled, crashed or escaped; its CSV, exports, variants,
editions.

Fixtures in tests/fixtures/instructor (rebuilt by its make_fixtures.py): the tiny
chapter 99_tiny (exercises in fixture_checks.py), answered submissions, and attacks/:
the unanswered student edition with one hostile cell each, the instructor's own notebook
and one naming another chapter. Everything is graded in as few runs as possible.
"""

import csv
import json
import os
import pathlib
import shutil
import sys

import nbformat
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "instructor"
TINY = FIX / "chapters" / "99_tiny.ipynb"
sys.path[:0] = [str(ROOT / "tools"), str(FIX)]
import fixture_checks  # noqa: E402, F401  (registers course.checks.ch99)
import make_fixtures  # noqa: E402
import student_edition  # noqa: E402

from course.exercise import find  # noqa: E402
from course.grading import grader, integrity, reports, sandbox  # noqa: E402
from course.grading.lms import read_roster, variant_for  # noqa: E402

MB = 2**20


def settings(**kw):
    base = dict(chapters_dir=TINY.parent, chapter="99_tiny", jobs=2, cell_timeout=3,
                timeout=40, memory_mb=4096, kernel_paths=[FIX / "fixture_checks.py"],
                seed=7, key=make_fixtures.KEY)  # fmt: skip
    return grader.Settings(**{**base, **kw})


def grade(folder, out, **kw):
    rows = grader.grade_folder(folder, settings(**kw), log=lambda *a: None)
    reports.write_all(rows, out)
    with open(out, encoding="utf-8", newline="") as f:
        return rows, {row["submission"]: row for row in csv.DictReader(f)}


def watched_files():
    """Files a library attack could reach: the library, the course, the tools, the
    environment's import hooks."""
    roots = [ROOT / "mlplib", ROOT / "course", ROOT / "tools"]
    found = [p for r in roots for p in r.rglob("*.py")]
    site = pathlib.Path(np.__file__).parents[1]
    return found + list(site.glob("*.pth")) + list(site.glob("__editable__*"))


def leftover_processes():
    """Processes an attack started, or any grading kernel still tagged."""
    left = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = pathlib.Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.split(b"\0")[:2] == [b"sleep", b"613"]:
            left.append(int(entry.name))
    return left


def tagged_processes():
    """Processes whose environment carries a grading marker (a kernel's)."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            environ = pathlib.Path(f"/proc/{entry.name}/environ").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and f"{sandbox.MARKER}=".encode() in environ:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    for path in (FIX / "attacks").glob("*.ipynb"):
        shutil.copy(path, folder / path.name)
    for name in SUBMISSIONS:
        shutil.copy(FIX / "submissions" / f"{name}.ipynb", folder / f"{name}.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), folder / "mystery.ipynb")
    (folder / "broken.ipynb").write_text("not json")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    rows, table = grade(folder, out)
    return rows, table, out


ATTACKS = sorted(p.stem for p in (FIX / "attacks").glob("*.ipynb"))
SUBMISSIONS = [
    "correct",
    "wrong",
    "error",
    "crashing",
    "infinite_loop",
    "unstoppable_loop",
]
HOSTILE = [a for a in ATTACKS if a not in ("unanswered", "instructor")]


def marks(row):
    return row["ch99-ex1"], row["ch99-ex2"], row["score"]


@pytest.mark.parametrize("attack", HOSTILE)
def test_every_attack_scores_what_the_unanswered_edition_scores(attacked, attack):
    table = attacked[1]
    assert marks(table[f"{attack}.ipynb"]) == marks(table["unanswered.ipynb"])
    assert marks(table["unanswered.ipynb"]) == ("0", "0", "0")


def test_the_csv_has_every_row_and_correct_work_scores(attacked):
    table, out = attacked[1], attacked[2]
    names = ATTACKS + SUBMISSIONS + ["mystery", "broken"]
    assert set(table) == {f"{n}.ipynb" for n in names}
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:7] == ["submission", "student", "chapter", "edition", "ch99-ex1",
                          "ch99-ex2", "ch99-ex3"]  # fmt: skip
    assert (
        marks(table["correct.ipynb"]) == ("1", "2", "3")
        and table["correct.ipynb"]["max"] == "5"
    )
    # in the sandbox the kernel's parent is its PID namespace's init, which the signal
    # cannot kill: the attack fails and the notebook completes
    assert table["kill_grader.ipynb"]["status"] == "complete"


def test_failures_cost_only_what_they_touch(attacked):
    table = attacked[1]
    assert marks(table["error.ipynb"]) == ("0", "2", "2")
    assert "s could not be read (NameError" in table["error.ipynb"]["feedback"]
    assert marks(table["crashing.ipynb"]) == ("1", "0", "1")
    assert table["crashing.ipynb"]["status"] == "stopped: the kernel died"
    assert marks(table["infinite_loop.ipynb"]) == ("0", "2", "2")
    loop = table["unstoppable_loop.ipynb"]
    assert marks(loop) == ("0", "0", "0")
    assert loop["status"] == "killed: a cell ran over 3 s and ignored the interrupt"
    assert table["broken.ipynb"]["status"].startswith("unreadable")
    assert table["mystery.ipynb"]["status"] == "complete"  # graded as --chapter


def test_pre_checks_flag_instructor_and_other_chapter(attacked):
    table = attacked[1]
    flags = table["instructor.ipynb"]["flags"]
    assert (
        "not made from the student edition" in flags
        and "solution cells present" in flags
    )
    assert "another chapter: 02_mlp_forward" in table["other_chapter.ipynb"]["flags"]
    assert table["unanswered.ipynb"]["flags"] == ""


def test_feedback_never_shows_the_expected_value(attacked):
    feedback = attacked[1]["wrong.ipynb"]["feedback"]
    assert (
        "not correct to 4 significant figures" in feedback
        and "Multiply by 2" in feedback
    )
    assert "5.0" not in feedback and "expected" not in feedback


def test_the_repository_is_unchanged_and_no_process_is_left(attacked):
    hit = [
        p
        for p in watched_files()
        if make_fixtures.ATTACK_MARK in p.read_text(errors="ignore")
    ]
    assert hit == []
    assert leftover_processes() == []
    assert tagged_processes() == []


def test_outputs_are_capped_and_reports_written(attacked):
    folder = reports.report_dir(attacked[2])
    sizes = {p.name: p.stat().st_size for p in (folder / "executed").rglob("*.ipynb")}
    # all but the unreadable one and the one made from another chapter (never run)
    assert set(sizes) == set(attacked[1]) - {"broken.ipynb", "other_chapter.ipynb"}
    assert attacked[1]["other_chapter.ipynb"]["status"] == "not graded: another chapter"
    assert max(sizes.values()) < 5 * MB
    assert "truncated" in (folder / "executed" / "big_print.ipynb").read_text()
    gradebook = (folder / "gradebook.csv").read_text().splitlines()
    assert gradebook[0] == "student_id,99_tiny,max" and "correct.ipynb,3,3" in gradebook
    result = json.loads((folder / "gradescope" / "correct.json").read_text())
    assert result["score"] == 3 and [t["max_score"] for t in result["tests"]] == [1, 2]
    assert "ch99-ex2" in (folder / "feedback" / "wrong.html").read_text()
    written = (folder / "written" / "ch99-ex3.html").read_text()
    assert find("ch99-ex3").rubric in written and "<em>not answered yet</em>" in written


def test_every_kernel_ran_in_the_sandbox(attacked):
    if not sandbox.contained_available():
        pytest.skip("bubblewrap cannot build a sandbox here")
    assert all(r["run"]["contained"] for r in attacked[0] if r.get("run"))


# --- editions, hand-graded columns, parallel = serial ------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    shutil.copy(FIX / "submissions" / "correct.ipynb", folder / "correct.ipynb")
    old = nbformat.read(FIX / "submissions" / "correct.ipynb", as_version=4)
    del old.metadata["course"]["exercises"]["ch99-ex2"]  # made before ch99-ex2 existed
    record = old.metadata["course"]
    record["signature"] = integrity.signature(record, make_fixtures.KEY)
    nbformat.write(old, folder / "old_edition.ipynb")
    out = tmp_path_factory.mktemp("small-grades")
    serial = grade(folder, out / "serial.csv", jobs=1)
    parallel = grade(folder, out / "parallel.csv", jobs=2)
    return folder, out, serial, parallel


def test_parallel_grading_gives_the_serial_csv(small):
    _, out, _, _ = small
    assert (out / "serial.csv").read_text() == (out / "parallel.csv").read_text()


def test_an_older_edition_is_graded_against_its_own_exercises(small):
    row = small[2][1]["old_edition.ipynb"]
    assert (row["ch99-ex1"], row["ch99-ex2"], row["max"]) == ("1", "", "3")
    assert "ch99-ex2 was added later (not graded)" in row["flags"]


def test_hand_graded_columns_survive_a_re_run(small):
    _, out, (rows, _), _ = small
    path = out / "serial.csv"
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    table[0]["ch99-ex3"] = "2"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    reports.write_csv(rows, path)
    with path.open(encoding="utf-8", newline="") as f:
        again = {r["submission"]: r for r in csv.DictReader(f)}
    first = table[0]["submission"]
    assert again[first]["ch99-ex3"] == "2"
    assert float(again[first]["score"]) == float(table[0]["score"]) + 2


# --- per-student variants ------------------------------------------------------------


def expected_s(variant):
    x = find("ch99-ex1").inputs(variant)["x"]
    return float(np.sum(x**2))


def test_roster_variants_differ_and_a_copied_answer_fails(tmp_path):
    roster = {sid: variant_for(sid) for sid in ("ada", "bo", "cy")}
    built = student_edition.build([TINY], tmp_path / "edition", roster=roster)
    assert len(built) == 3
    values = {sid: expected_s(v) for sid, v in roster.items()}
    assert len(set(values.values())) == 3
    subs = tmp_path / "subs"
    for path in built:
        sid = path.parents[1].name
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["course"]["variant"] == roster[sid]
        cell = next(
            c
            for c in nb.cells
            if c.source.startswith("# Your code here (exercise ch99-ex1)")
        )
        answers = [("own", values[sid])] + [("copied", values["bo"])] * (sid == "ada")
        for who, value in answers:
            cell.source = f"s = {value!r}"
            (subs / sid).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, subs / sid / f"{who}.ipynb")
            if (sid, who) == ("ada", "own"):  # bo hands in ada's solved notebook
                (subs / "bo").mkdir(exist_ok=True)
                nbformat.write(nb, subs / "bo" / "copy_of_ada.ipynb")
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text("student_id,name\nada,A\nbo,B\ncy,C\n")
    assert read_roster(roster_csv) == roster
    _, table = grade(subs, tmp_path / "g.csv", roster=roster, jobs=2)
    for sid in roster:
        assert table[f"{sid}/own.ipynb"]["ch99-ex1"] == "1"
        assert table[f"{sid}/own.ipynb"]["student"] == sid
    assert table["ada/copied.ipynb"]["ch99-ex1"] == "0"  # bo's answer fails for ada
    copy = table["bo/copy_of_ada.ipynb"]  # graded as built (ada's inputs), flagged
    assert copy["student"] == "bo" and copy["ch99-ex1"] == "1"
    assert "made from another student's edition (not bo's)" in copy["flags"]


def test_uncontained_limits_and_markers_still_contain(tmp_path):
    """The fallback without bubblewrap: the kernel's parent is a stand-in, not the
    grader's worker, and leftover processes are found by their marker."""
    names = ["kill_grader", "setsid_sleep", "unanswered"]
    for name in names + ["correct"]:
        folder = "submissions" if name == "correct" else "attacks"
        shutil.copy(FIX / folder / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    rows, table = grade(tmp_path, tmp_path / "out" / "g.csv", uncontained=True)
    assert len(table) == len(names) + 1
    assert all(not r["run"]["contained"] for r in rows)
    assert marks(table["correct.ipynb"]) == ("1", "2", "3")
    for name in names:
        assert marks(table[f"{name}.ipynb"]) == marks(table["unanswered.ipynb"])
    assert leftover_processes() == [] and tagged_processes() == []
