"""Exercises as an older edition declared them, read from the course's git history.

A student edition records its edition (a tag or commit) and each exercise's version.
When an exercise has changed since, the grader reads ``course/checks/chNN.py`` as it was
at that edition (``git show``) and grades the submission against that declaration. The
code comes from the instructor's own repository, not from the submission.
"""

import functools
import types

from course.grading.roster import git


@functools.lru_cache(maxsize=32)
def exercises_at(root, ref, module_name):
    """``{label: exercise}`` of ``course/checks/<module_name>.py`` at git ``ref``, or
    None when the history does not have it."""
    path = f"course/checks/{module_name}.py"
    source = git(root, "show", f"{ref}:{path}")
    if not source:
        return None
    module = types.ModuleType(f"course.checks.{module_name}")  # not put in sys.modules
    module.__package__ = "course.checks"
    exec(compile(source, f"{ref}:{path}", "exec"), module.__dict__)
    return {ex.label: ex for ex in getattr(module, "EXERCISES", [])}


def own_versions(root, meta, exs, module_name):
    """``(exercises, notes)``: ``exs`` with each exercise that changed since the
    submission's edition replaced by the edition's own declaration, where git has it."""
    versions = meta.get("exercises") or {}
    ref = str(meta.get("edition") or "").removesuffix("-dirty")
    changed = [
        k for k, ex in exs.items() if k in versions and versions[k] != ex.version
    ]
    if not changed or ref in ("", "unknown"):
        return exs, []
    try:
        old = exercises_at(str(root), ref, module_name) or {}
    except Exception:  # an old module that no longer imports: grade the current one
        old = {}
    result, notes = dict(exs), []
    for label in changed:
        if label in old and old[label].version == versions[label]:
            result[label] = old[label]
            notes.append(
                f"older edition: {label} graded as its edition's v{versions[label]}"
            )
    return result, notes
