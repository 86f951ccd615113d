"""An instructor's term, played end to end: a Canvas roster, signed per-student
editions, submissions named as Canvas downloads them, honest, partial, blank,
duplicate, late, class-wide and hostile ones; then the grader. Every score and flag is
asserted, and that nothing outside the grader's own output changed and no kernel
process is left. Chapter 8 (processes over loopback) is graded for one student.
"""

import hashlib
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "instructor"
TINY = FIX / "chapters" / "99_tiny.ipynb"
sys.path[:0] = [str(ROOT / "tools"), str(FIX)]
import fixture_checks  # noqa: E402, F401  (registers course.checks.ch99)
import make_fixtures  # noqa: E402
import student_edition  # noqa: E402
from test_grading import leftover_processes, tagged_processes  # noqa: E402

from course.grading import grader, lms, reports, sandbox  # noqa: E402

pytestmark = pytest.mark.skipif(
    not sandbox.contained_available(), reason="bubblewrap cannot build a sandbox here"
)
MARK = "TERM-MARK-51c9"
HONEST = {
    "ch99-ex1": "s = float(np.sum(x**2))",
    "ch99-ex2": "def double(v):\n    return 2 * v",
}
STUDENTS = {  # Canvas ID -> (last name, first name); 50010's file holds "50003"
    "50003": ("lovelace", "ada"), "50010": ("babbage", "charles"),
    "50021": ("hopper", "grace"), "50034": ("turing", "alan"),
    **{f"5{i:04d}": (f"hostile{i}", "x") for i in range(100, 118)},
}  # fmt: skip


def attacks(sub, grades, home):
    """One hostile cell per Canvas id (the cell goes after the imports)."""
    repo = f"{ROOT}"
    return {
        "50100": f'import subprocess\nprint(subprocess.run(["mount", "-o", "remount,bind,rw", "{repo}"], capture_output=True, text=True))\nopen("{repo}/course/verdict.py", "a").write("def value_verdict(*a): return None  # {MARK}")',  # noqa: E501
        "50101": f'import subprocess\nprint(subprocess.run(["umount", "-l", "{home}"], capture_output=True, text=True))\nopen("{home}/{MARK}", "w").write("x")',  # noqa: E501
        "50102": f'open("/tmp/{MARK}", "w").write("x")\nfor d in ("{sub}", "{grades}"):\n    try:\n        open(d + "/{MARK}", "w").write("x")\n    except OSError as e:\n        print(e)',  # noqa: E501
        "50103": f'import glob\nfor p in glob.glob("{sub}/*hopper*"):\n    open(p, "w").write("{{}}")\nopen("{sub}/x.ipynb")',  # noqa: E501
        "50104": f'import glob\nfor p in glob.glob("{sub}/*lovelace*"):\n    exec(open(p).read())\nprint(open("{sub}/../roster.csv").read())',  # noqa: E501
        "50105": "from course.checks import ch99",
        "50106": "import course.harvest\n\ncourse.harvest.export = lambda *a, **k: None",  # noqa: E501
        "50107": "import signal\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",  # noqa: E501
        "50108": "import os, time\nfor _ in range(400):\n    try:\n        if os.fork() == 0:\n            time.sleep(20)\n            os._exit(0)\n    except OSError as e:\n        print(e)\n        break",  # noqa: E501
        "50109": 'import subprocess, sys\nps = [subprocess.Popen([sys.executable, "-c", "b = bytearray(450 * 2**20); import time; time.sleep(8)"]) for _ in range(3)]\nprint([p.wait() for p in ps])',  # noqa: E501
        "50110": 'for _ in range(200):\n    print("x" * 2**20)',
    }


def answer(nb, answers):
    for cell in nb.cells:
        for label, source in answers.items():
            if cell.source.startswith(f"# Your code here (exercise {label})"):
                cell.source = source
    return nb


def canvas_name(sid, sub_id, late=False):
    last, first = STUDENTS[sid]
    return f"{last}{first}{'_LATE' if late else ''}_{sid}_{sub_id}_99_tiny.ipynb"


def committed(tmp, stem):
    """The chapter as last committed (a chapter being edited in the working tree may be
    mid-update), copied to ``tmp/chapters``; the working tree's copy outside git."""
    rel = f"chapters/{stem}.ipynb"
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:{rel}"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    path = tmp / rel
    path.parent.mkdir(exist_ok=True)
    path.write_text(shown.stdout if shown.returncode == 0 else (ROOT / rel).read_text())
    return path


def build_class(tmp):
    roster = tmp / "roster.csv"
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section,Email"]
    lines.append("    Points Possible,,,,,")
    for sid, (last, first) in STUDENTS.items():
        lines.append(f'"{last}, {first}",{sid},{sid[1:]},{first},A,{first}@uni.example')
    roster.write_text("\n".join(lines) + "\n")
    variants = lms.read_roster(roster)
    built = student_edition.build([TINY, committed(tmp, "08_data_parallel")],
                                  tmp / "edition", roster=variants,
                                  key=make_fixtures.KEY)  # fmt: skip
    assert len(built) == 2 * len(STUDENTS)
    return roster, variants


def edition(tmp, sid, chapter="99_tiny"):
    path = tmp / "edition" / "students" / sid / "chapters" / f"{chapter}.ipynb"
    return nbformat.read(path, as_version=4)


def write_submissions(tmp, sub, grades):
    put = lambda nb, name: nbformat.write(nb, sub / name)  # noqa: E731
    put(answer(edition(tmp, "50003"), HONEST), canvas_name("50003", "6100001"))
    put(answer(edition(tmp, "50010"), HONEST), canvas_name("50010", "7500039"))
    put(answer(edition(tmp, "50021"), HONEST), canvas_name("50021", "6100003"))
    put(edition(tmp, "50034"), canvas_name("50034", "6100004"))  # blank, older
    os.utime(sub / canvas_name("50034", "6100004"), (1, 1))
    partial = {"ch99-ex1": HONEST["ch99-ex1"]}
    put(answer(edition(tmp, "50034"), partial), canvas_name("50034", "6100005", True))
    hostile = attacks(sub, grades, pathlib.Path.home())
    for sid, source in hostile.items():
        nb = edition(tmp, sid)
        nb.cells.insert(4, nbformat.v4.new_code_cell(source))
        put(nb, canvas_name(sid, "6200" + sid[-3:]))
    forbidden = {**HONEST, "ch99-ex2": "def double(v):\n    return np.multiply(v, 2)"}
    put(answer(edition(tmp, "50111"), forbidden), canvas_name("50111", "6200111"))
    mutating = {"ch99-ex2": "def double(v):\n    v *= 2\n    return v"}
    put(answer(edition(tmp, "50112"), mutating), canvas_name("50112", "6200112"))
    shrunk = answer(edition(tmp, "50113"), partial)
    shrunk.metadata["course"]["exercises"] = {"ch99-ex1": 1}
    put(shrunk, canvas_name("50113", "6200113"))
    text = nbformat.writes(answer(edition(tmp, "50114"), HONEST))
    (sub / canvas_name("50114", "6200114")).write_text(text[: len(text) // 2])
    wrong = edition(tmp, "50115", "08_data_parallel")
    put(wrong, canvas_name("50115", "6200115"))
    classwide = student_edition.student_notebook(
        nbformat.read(TINY, as_version=4), "99_tiny", edition="fixture",
        key=make_fixtures.KEY,
    )  # fmt: skip
    put(answer(classwide, HONEST), canvas_name("50116", "6200116"))


def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
    }


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("term")
    roster, variants = build_class(tmp)
    sub, grades = tmp / "submissions", tmp / "grades"
    sub.mkdir()
    grades.mkdir()
    (grades / "earlier.csv").write_text("submission,score\nold.ipynb,7\n")
    write_submissions(tmp, sub, grades)
    before = digest(sub), digest(grades)
    settings = grader.Settings(
        chapters_dir=TINY.parent, chapter="99_tiny", roster=variants, jobs=2,
        cell_timeout=4, timeout=40, memory_mb=900, processes=96, seed=11,
        key=make_fixtures.KEY,
    )  # fmt: skip
    rows = grader.grade_folder(sub, settings, log=lambda *a: None)
    reports.write_all(rows, grades / "ch99.csv", roster, settings)
    by_id = {}
    for row in rows:
        by_id.setdefault(row["student"] or row["submission"], []).append(row)
    return tmp, rows, by_id, before, settings


def one(term, sid):
    (row,) = term[2][sid]
    return row


def points(row):
    return sum(row["marks"].values())


def has(row, text):
    return any(text in flag for flag in row["flags"])


def test_honest_work_scores_in_full_and_ids_are_whole_tokens(term):
    for sid in ("50003", "50010", "50021"):
        row = one(term, sid)
        assert (points(row), row["flags"], row["status"]) == (3, [], "complete")
    assert "50003" not in {r["student"] for r in term[2]["50010"]}


def test_duplicates_late_and_partial(term):
    older, latest = sorted(term[2]["50034"], key=lambda r: r["mtime"])
    assert (points(older), points(latest)) == (0, 1)
    assert latest["counted"] and not older["counted"]
    assert has(latest, "duplicate: 2 submissions from 50034 (counted")
    assert has(latest, "late (the LMS marked it LATE)")


@pytest.mark.parametrize("sid", ["50100", "50101", "50102", "50103", "50104"])
def test_escapes_fail_and_are_flagged(term, sid):
    row = one(term, sid)
    assert points(row) == 0 and row["status"] == "complete"
    assert has(row, "an attempt to write or mount outside failed")


def test_checks_and_export_are_out_of_reach(term):
    assert has(one(term, "50105"), "imports the course's checks")
    assert has(one(term, "50106"), "touches the grader's export")
    assert points(one(term, "50105")) == points(one(term, "50106")) == 0


def test_limits_kill_and_are_flagged(term):
    sigint = one(term, "50107")
    assert sigint["status"].startswith("killed: a cell ran over 4 s")
    assert points(sigint) == 0 and has(sigint, "killed")
    fork, memory = one(term, "50108"), one(term, "50109")
    assert fork["run"]["cgroup"] and memory["run"]["cgroup"]
    assert has(fork, "processes limit hit") and has(memory, "memory limit hit")
    assert memory["run"]["peak_mb"] <= 900
    big = one(term, "50110")
    assert has(big, "output over the limit (truncated)") and points(big) == 0


def test_forbidden_mutating_and_shrunk(term):
    forbidden = one(term, "50111")
    assert forbidden["marks"] == {"ch99-ex1": 1, "ch99-ex2": 0}
    assert has(forbidden, "uses numpy.multiply, which ch99-ex2 forbids")
    mutating = one(term, "50112")
    assert "changed its argument v in place" in mutating["feedback"]["ch99-ex2"]
    shrunk = one(term, "50113")
    assert points(shrunk) == 1 and set(shrunk["marks"]) == {"ch99-ex1", "ch99-ex2"}
    assert has(shrunk, "edited or unsigned edition record")


def test_truncated_wrong_chapter_and_class_wide(term):
    truncated = one(term, "50114")
    assert truncated["status"].startswith("unreadable") and truncated["marks"] == {}
    wrong = one(term, "50115")
    assert has(wrong, "wrong chapter: made from another chapter: 08_data_parallel")
    classwide = one(term, "50116")
    assert points(classwide) == 3
    assert has(classwide, "class-wide edition where a per-student one was issued")


def test_gradebook_has_one_row_per_roster_student_for_canvas(term):
    tmp = term[0]
    lines = (tmp / "grades" / "ch99" / "gradebook.csv").read_text().splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,99_tiny,max"
    assert len(lines) == 1 + len(STUDENTS)
    assert any(",50034,0034," in x and x.endswith(",1,3") for x in lines)
    assert any(",50117," in x and x.endswith(",,3") for x in lines)  # no submission
    written = (tmp / "grades" / "ch99" / "written" / "ch99-ex3.html").read_text()
    assert "<b>blank</b>" in written and "np.multiply(v, 2)" not in written


def test_nothing_outside_the_grades_changed_and_no_process_is_left(term):
    tmp, rows, _, before, _ = term
    assert digest(tmp / "submissions") == before[0]
    assert (tmp / "grades" / "earlier.csv").read_text().endswith("old.ipynb,7\n")
    home = pathlib.Path.home()
    for place in (home, pathlib.Path("/tmp"), tmp / "submissions", tmp / "grades"):
        assert not (place / MARK).exists()
    for path in [*(ROOT / "course").rglob("*.py"), *(ROOT / "mlplib").rglob("*.py")]:
        assert MARK not in path.read_text(errors="ignore")
    executed = tmp / "grades" / "ch99" / "executed"
    reader = executed / canvas_name("50104", "6200104")
    assert "uni.example" not in reader.read_text()
    assert leftover_processes() == [] and tagged_processes() == []


def test_chapter_8_runs_its_processes_over_loopback(term, tmp_path):
    tmp, _, _, _, settings = term
    nb = edition(tmp, "50003", "08_data_parallel")
    name = canvas_name("50003", "6300001").replace("99_tiny", "08_data_parallel")
    nbformat.write(nb, tmp_path / name)
    chapter_8 = grader.Settings(
        chapter="08_data_parallel", roster=settings.roster, jobs=1, cell_timeout=120,
        timeout=300, key=make_fixtures.KEY, chapters_dir=tmp / "chapters",
    )  # fmt: skip
    (row,) = grader.grade_folder(tmp_path, chapter_8, log=lambda *a: None)
    assert row["student"] == "50003" and row["status"] == "complete"
    assert row["flags"] == [] and row["run"]["contained"]
    errors = [
        o for c in row["executed"].cells if c.cell_type == "code"
        for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]  # fmt: skip
    assert errors == []
    shutil.rmtree(tmp_path, ignore_errors=True)
