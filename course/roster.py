"""Rosters and editions: who a notebook is for, and what it was built from.

A roster is a CSV with a ``student_id`` column (other columns are ignored). Each student
gets a *variant*, a short digest of the id, from which their exercise inputs are drawn;
the book's fixed version is the variant ``None``. The *edition* is the repository's
``git describe`` (a tag or a commit) when the student edition is built.
"""

import csv
import hashlib
import pathlib
import subprocess


def variant_for(student_id):
    """The variant of ``student_id``'s notebook (stable, not the id itself)."""
    return hashlib.sha256(f"student:{student_id}".encode()).hexdigest()[:12]


def read_roster(path):
    """``{student_id: variant}`` from a roster CSV."""
    with pathlib.Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if "student_id" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: the roster needs a student_id column")
        ids = [row["student_id"].strip() for row in reader]
    ids = [sid for sid in ids if sid]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a student_id appears twice")
    return {sid: variant_for(sid) for sid in ids}


def git(root, *args):
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=30)  # fmt: skip
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def edition(root):
    """The tag of ``root``'s checked-out commit, else the commit hash (what pip can
    install), with ``-dirty`` when tracked files differ from it; "unknown" without
    git."""
    ref = git(root, "describe", "--tags", "--exact-match") or git(
        root, "rev-parse", "HEAD"
    )
    if not ref:
        return "unknown"
    dirty = git(root, "status", "--porcelain", "--untracked-files=no")
    return ref + ("-dirty" if dirty else "")


def find_student(rel, meta, roster):
    """The roster id a submission belongs to: a folder or file named by the id, else an
    id in the file name, else the one in its metadata."""
    rel = pathlib.Path(rel)
    for part in [*rel.parent.parts, rel.stem]:
        if part in roster:
            return part
    found = [sid for sid in roster if sid and sid in rel.stem]
    if found:
        return max(found, key=len)
    sid = meta.get("student")
    return sid if sid in roster else None
