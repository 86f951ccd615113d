"""Keyed digests: whom a student edition was made for, and the grader's own code.

The student edition records, in the notebook's metadata ``course``, the chapter, the
edition, each exercise's version, the variant and the student, and ``signature``: an
HMAC-SHA256 of that record under the instructor's key (a file outside the repository,
made on the first build). The grader recomputes it: a record that was edited, or
copied from another student's notebook, does not verify. The key never leaves the
instructor's machine; the notebook carries only the digest.

:func:`code_digest` is a SHA-256 over the grader's code, the checks and the library,
taken when grading starts and compared before each submission runs.
"""

import hashlib
import hmac
import json
import os
import pathlib
import secrets

SIGNED = ("chapter", "edition", "exercises", "variant", "student", "assessment")
DEFAULT_KEY = pathlib.Path("~/.config/nn-from-scratch/edition.key")


def key_path(path=None):
    path = path or os.environ.get("COURSE_EDITION_KEY") or DEFAULT_KEY
    return pathlib.Path(path).expanduser()


def load_key(path=None, create=False):
    """The instructor's key (bytes), made on first use when ``create``; None when
    there is none."""
    path = key_path(path)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


def signature(record, key):
    """The HMAC of the signed fields of ``record`` under ``key``."""
    fields = {k: record.get(k) for k in SIGNED}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def verifies(record, key):
    """True when ``record`` carries the signature ``key`` gives it."""
    given = record.get("signature")
    return bool(key and isinstance(given, str)) and hmac.compare_digest(
        given, signature(record, key)
    )


def code_digest(roots):
    """SHA-256 over every ``.py`` file under ``roots`` (paths and contents)."""
    digest = hashlib.sha256()
    for root in map(pathlib.Path, roots):
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
