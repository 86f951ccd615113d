"""Editions: the repository's tag or commit a student edition is built from.

Rosters and the per-student *variant* (a short digest of the id, from which the
student's exercise inputs are drawn) are in :mod:`course.grading.lms`.
"""

import subprocess


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
