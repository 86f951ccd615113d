"""One submission's run: the job a worker executes, and the worker process itself.

:func:`job_for` describes the run (notebook, throwaway folder, what the sandbox's
library holds, the notebook's exercise inputs, limits, marker); :func:`run_worker`
starts the worker process on it and reads back the executed notebook. A worker that
dies or overruns costs only its own submission, whose row then says so.
"""

import json
import os
import pathlib
import subprocess
import sys
import uuid

import nbformat

from course.grading import sandbox

COURSE_ROOT = pathlib.Path(__file__).resolve().parents[2]


def library():
    """What the kernel can import: mlplib and the exercise kit (as ``course``)."""
    return {
        "mlplib": str(COURSE_ROOT / "mlplib"),
        "course": str(COURSE_ROOT / "course" / "kit"),
    }


def job_for(tmp, nb, inputs, settings):
    """The job of one run; ``inputs``: the notebook's exercise inputs (plain text)."""
    contained = sandbox.contained_available() and not settings.uncontained
    nbformat.write(nb, tmp / "graded.ipynb")
    limits = {"memory_mb": settings.memory_mb, "file_mb": 64}
    limits.update(processes=settings.processes, cpus=settings.cpus)
    return {
        "notebook": str(tmp / "graded.ipynb"),
        "executed": str(tmp / "executed.ipynb"),
        "result": str(tmp / "result.json"),
        "workdir": str(tmp / "work"),
        "cell_timeout": settings.cell_timeout,
        "timeout": settings.timeout,
        "library": settings.library or library(),
        "inputs": inputs,
        "sandbox": {
            **limits,
            "marker": uuid.uuid4().hex,
            "contained": contained,
            "cpu_seconds": settings.timeout + 10,
        },
    }


def run_worker(job, tmp):
    """Run ``job`` in a worker process; return ``(status, executed notebook or None,
    result)``."""
    (tmp / "job.json").write_text(json.dumps(job))
    env = {**os.environ, "PYTHONPATH": str(COURSE_ROOT)}
    command = [sys.executable, "-m", "course.grading.runner", str(tmp / "job.json")]
    try:
        with open(tmp / "worker.log", "wb") as log:
            subprocess.run(command, env=env, stdout=log, stderr=log, cwd=tmp,
                           timeout=job["timeout"] + 120, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        pass
    finally:
        sandbox.kill_marked(job["sandbox"]["marker"])
    try:
        result = json.loads((tmp / "result.json").read_text())
        executed = nbformat.read(tmp / "executed.ipynb", as_version=4)
    except (OSError, ValueError):
        log = (tmp / "worker.log").read_text(errors="replace")[-2000:]
        if os.environ.get("COURSE_GRADE_DEBUG"):
            print(log, file=sys.stderr)
        return "stopped: the grading worker failed", None, {}
    return result["status"], executed, result
