"""The adoption steps of adopt.md, end to end, on a scratch copy of the course.

Set the repository and a release, regenerate the Colab cells, tag, build the student
edition, answer it, change an exercise, grade: every step runs the course's own
commands, and the submission is graded against the exercise as its edition declared it.
"""

import csv
import pathlib
import shutil
import subprocess
import sys

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "instructor"
URL = "https://github.com/someone/course-2026"


def run(repo, *args):
    done = subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def scratch_copy(tmp):
    repo = tmp / "course"
    for name in ("course", "mlplib", "tools"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    shutil.copy(ROOT / "_config.yml", repo / "_config.yml")
    (repo / "chapters").mkdir()
    shutil.copy(FIX / "chapters" / "99_tiny.ipynb", repo / "chapters")
    shutil.copy(FIX / "fixture_checks.py", repo / "course" / "checks" / "ch99.py")
    (repo / "fixture_checks.py").write_text("import course.checks.ch99  # noqa: F401\n")
    return repo


def set_repository(repo):
    config = yaml.safe_load((repo / "_config.yml").read_text())
    config["repository"].update(url=URL, release="v2026.1")
    (repo / "_config.yml").write_text(yaml.safe_dump(config))


def change_exercise_1(repo):
    """A later fix: ch99-ex1 now asks for the sum of cubes (version 2)."""
    path = repo / "course" / "checks" / "ch99.py"
    text = path.read_text()
    text = text.replace("float(np.sum(x**2))", "float(np.sum(x**3))")
    text = text.replace(
        'Value(\n        "ch99-ex1",', 'Value(\n        "ch99-ex1",\n        version=2,'
    )
    assert "x**3" in text and "version=2" in text
    path.write_text(text)


def answer(path, out):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.source.startswith("# Your code here (exercise ch99-ex1)"):
            cell.source = "s = float(np.sum(x**2))"
        if cell.source.startswith("# Your code here (exercise ch99-ex2)"):
            cell.source = "def double(v):\n    return 2 * v"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)


def test_adopt_set_repository_regenerate_build_and_grade(tmp_path):
    repo = scratch_copy(tmp_path)
    set_repository(repo)
    py = sys.executable
    run(repo, py, "tools/colab_cell.py", "--write")
    run(repo, py, "tools/colab_cell.py", "--check")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    run(repo, "git", "init", "-q")
    run(repo, "git", "add", ".")
    run(repo, *git, "commit", "-q", "-m", "course copy")
    run(repo, "git", "tag", "v2026.1")
    run(repo, py, "tools/student_edition.py", "--out", "student")
    edition = nbformat.read(repo / "student/chapters/99_tiny.ipynb", as_version=4)
    setup = edition.cells[1].source
    assert f'REPO = "{URL}"' in setup and "git+$REPO@v2026.1" in setup
    assert edition.metadata["course"]["edition"] == "v2026.1"
    answer(repo / "student/chapters/99_tiny.ipynb", tmp_path / "subs/s1/99_tiny.ipynb")
    change_exercise_1(repo)  # after the edition was published
    run(repo, *git, "commit", "-q", "-am", "ch99-ex1 v2")
    out = tmp_path / "grades" / "ch99.csv"
    args = ["--chapter", "99_tiny", "--out", str(out), "--cell-timeout", "20"]
    args += ["--kernel-path", str(repo / "fixture_checks.py"), "--memory-mb", "4096"]
    run(repo, py, "tools/grade.py", str(tmp_path / "subs"), *args)
    with out.open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["submission"], row["edition"], row["score"]) == (
        "s1/99_tiny.ipynb",
        "v2026.1",
        "3",
    )
    assert row["flags"] == "older edition: ch99-ex1 graded as its edition's v1"
