"""Rosters and submission file names as learning-management systems export them.

A roster is read from the CSV an LMS exports; its id column is recognised by name
(``--id-column`` names another). The id is the one the same LMS writes into the file
names of downloaded submissions, so a file is matched to exactly one student:

========== ============================ =============================================
LMS        roster id column             submission file name
========== ============================ =============================================
Canvas     ``ID`` (Canvas user id)      ``lastfirst[_LATE]_<ID>_<submission id>_<name>``
Moodle     ``Identifier`` (grading      ``<Full name>_<participant>_assignsubmission_``
           worksheet: "Participant N")  ``file_<name>`` (a folder or a file prefix)
Blackboard ``Username``                 ``<assignment>_<Username>_attempt_<YYYY-MM-DD-``
                                        ``HH-MM-SS>_<name>``
Gradescope ``SID``                      a folder per student named by the id
plain      ``student_id``               a folder or a file named by the id
========== ============================ =============================================

A file name is split at ``_``, ``-``, ``.``, spaces and folder separators into tokens;
a student matches only when a whole token equals the id (never a substring), and a file
whose tokens name two roster ids is not matched at all.
"""

import csv
import datetime
import hashlib
import pathlib
import re

ID_COLUMNS = {  # the LMS, by the id column its export carries (first match wins)
    "student_id": "plain",
    "ID": "Canvas",
    "Identifier": "Moodle",
    "Username": "Blackboard",
    "SID": "Gradescope",
}
NAME_COLUMNS = ("Student", "Full name", "Name", "First Name", "Last Name", "Email")
SPLIT = re.compile(r"[_\-.\s/\\]+")
BLACKBOARD_TIME = re.compile(r"_attempt_(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)")


def variant_for(student_id):
    """The variant of ``student_id``'s notebook (stable, not the id itself)."""
    return hashlib.sha256(f"student:{student_id}".encode()).hexdigest()[:12]


class RosterError(ValueError):
    """A roster that cannot be used; the message is one line naming the problem."""


def clean_id(value, lms):
    value = (value or "").strip()
    return value.removeprefix("Participant ").strip() if lms == "Moodle" else value


def read_roster(path, id_column=None):
    """``{student id: variant}`` from an LMS roster export (see the module's table)."""
    path = pathlib.Path(path)
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    rows = list(csv.DictReader(text.splitlines()))
    if not text.strip() or not rows:
        raise RosterError(f"{path}: the roster is empty")
    header = list(rows[0].keys())
    column = id_column or next((c for c in ID_COLUMNS if c in header), None)
    if column is None or column not in header:
        wanted = (
            f"a column {id_column!r}"
            if id_column
            else "one of " + ", ".join(ID_COLUMNS)
        )
        raise RosterError(f"{path}: no id column ({wanted}); it has {header}")
    lms = ID_COLUMNS.get(column, "plain")
    rows = [r for r in rows if not points_possible(r)]
    ids = [i for i in (clean_id(row[column], lms) for row in rows) if i]
    seen = set()
    for sid in ids:
        if sid in seen:
            raise RosterError(f"{path}: the id {sid!r} appears twice in {column!r}")
        seen.add(sid)
    return {sid: variant_for(sid) for sid in ids}


def points_possible(row):
    """True for the ``Points Possible`` line that Canvas puts under the header."""
    return any((v or "").strip() == "Points Possible" for v in row.values())


def tokens(rel):
    return [t for t in SPLIT.split(str(pathlib.PurePath(rel).with_suffix(""))) if t]


def find_student(rel, roster):
    """``(student id or None, why not)`` for the submission at ``rel``: a folder named
    by an id, else the one id among the file name's tokens."""
    folders = [p for p in pathlib.PurePath(rel).parent.parts if p in roster]
    if folders:
        return folders[-1], ""
    found = [sid for sid in roster if sid in set(tokens(pathlib.PurePath(rel).name))]
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, f"file name names several students ({', '.join(sorted(found))})"
    return None, "file name names no roster student"


def late(rel, due=None):
    """Why the submission at ``rel`` is late ("" when it is not, or unknown): Canvas's
    ``LATE`` token, or a Blackboard attempt time after ``due`` (a datetime)."""
    if "LATE" in tokens(rel):
        return "late (the LMS marked it LATE)"
    stamp = BLACKBOARD_TIME.search(str(rel))
    if due is not None and stamp:
        when = datetime.datetime.strptime(stamp.group(1), "%Y-%m-%d-%H-%M-%S")
        if when > due:
            return f"late (submitted {when:%Y-%m-%d %H:%M}, due {due:%Y-%m-%d %H:%M})"
    return ""


GRADEBOOK_COLUMNS = {  # the columns each LMS's grade import matches students by
    "Canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
    "Moodle": ["Identifier", "Full name", "Email address"],
    "Blackboard": ["Last Name", "First Name", "Username"],
    "Gradescope": ["First Name", "Last Name", "SID", "Email"],
    "plain": ["student_id"],
}


def roster_table(path, id_column=None):
    """``(lms, id column, rows)`` of a roster export (rows as dicts, in order)."""
    text = pathlib.Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    header = list(rows[0].keys()) if rows else []
    column = id_column or next((c for c in ID_COLUMNS if c in header), None)
    rows = [r for r in rows if not points_possible(r)]
    return ID_COLUMNS.get(column, "plain"), column, rows
