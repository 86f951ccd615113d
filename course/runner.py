"""The grading worker: execute one prepared submission in a contained kernel.

    python -m course.runner JOB.json

The grader's main process starts one worker per submission, so a kernel that floods,
hangs or kills its parent takes down only this worker. The job file names the prepared
notebook and the limits; the worker writes the executed notebook (outputs capped) and a
small result file (status, seconds, peak memory). It computes no verdict.
"""

import json
import os
import pathlib
import resource
import shutil
import signal
import sys
import threading
import time

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from course import sandbox
from course.harvest import MIME

GRADER_TAG = "grader"
SANDBOX_SCRIPT = pathlib.Path(sandbox.__file__).resolve()


class CappedClient(NotebookClient):
    """Keeps at most ``budget`` characters of the submission's own outputs; the export
    outputs of the grader's cells have a budget of their own."""

    budget = 2_000_000
    export_budget = 16_000_000

    def output(self, outs, msg, display_id, cell_index):
        cell = self.nb.cells[cell_index]
        size = sum(len(str(v)) for v in msg["content"].values())
        data = msg["content"].get("data") or {}
        pool = (
            "export_budget" if GRADER_TAG in cell.metadata.get("tags", []) else "budget"
        )
        if pool == "export_budget" and MIME not in data:
            pool = "budget"
        if size > getattr(self, pool):
            if pool == "budget" and not getattr(self, "truncated", False):
                self.truncated = True
                note = "[output truncated by the grader: over the output limit]\n"
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
            return None
        setattr(self, pool, getattr(self, pool) - size)
        return super().output(outs, msg, display_id, cell_index)


def kernel_manager(job, workdir):
    """A kernel manager whose kernel starts through ``course.sandbox``."""
    spec = workdir / "spec" / "course-sandbox"
    spec.mkdir(parents=True)
    cfg_path = workdir / "sandbox.json"
    argv = [sys.executable, str(SANDBOX_SCRIPT), "outer", str(cfg_path)]
    kernel = {"argv": [*argv, "{connection_file}"], "display_name": "contained"}
    (spec / "kernel.json").write_text(json.dumps({**kernel, "language": "python"}))
    cfg = {**job["sandbox"], "path": str(cfg_path), "workdir": str(workdir)}
    cfg["python"] = sys.executable
    cfg_path.write_text(json.dumps(cfg))
    specs = KernelSpecManager(
        kernel_dirs=[str(spec.parent)], ensure_native_kernel=False
    )
    ipc = workdir / "ipc"
    ipc.mkdir()
    return AsyncKernelManager(
        kernel_name="course-sandbox",
        kernel_spec_manager=specs,
        transport="ipc",
        ip=str(ipc / "k"),
        connection_file=str(ipc / "kernel.json"),
    )


def prepare_workdir(job):
    workdir = pathlib.Path(job["workdir"])
    for sub in ("home", "tmp"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    lib = workdir / "lib"
    for source in job["library"]:
        source = pathlib.Path(source)
        target = lib / source.name
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            lib.mkdir(exist_ok=True)
            shutil.copy2(source, target)
    for path in sorted(lib.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    return workdir


def kill_group(km, killed):
    provisioner = getattr(km, "provisioner", None)
    pgid = getattr(provisioner, "pgid", None)
    process = getattr(provisioner, "process", None)
    killed.set()
    for target in filter(None, [pgid and -pgid, process and process.pid]):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass


def execute(nb, job, km):
    """Run ``nb`` in place; return a status line."""
    cell_timeout, timeout = job["cell_timeout"], job["timeout"]
    client = CappedClient(
        nb, km=km, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        record_timing=False, shutdown_kernel="immediate",
        resources={"metadata": {"path": job["workdir"]}},
    )  # fmt: skip
    killed = threading.Event()
    timer = threading.Timer(timeout, kill_group, args=(km, killed))
    timer.daemon = True
    timer.start()
    try:
        client.execute()
        return "complete"
    except DeadKernelError:
        if killed.is_set():
            return f"stopped: notebook time limit of {timeout:g} s"
        return "stopped: the kernel died"
    except CellTimeoutError:
        return f"stopped: a cell ran over {cell_timeout:g} s and ignored the interrupt"
    except Exception as error:  # whatever the kernel did, the worker reports it
        if killed.is_set():
            return f"stopped: notebook time limit of {timeout:g} s"
        return f"stopped: {type(error).__name__}: {error}".splitlines()[0][:200]
    finally:
        timer.cancel()
        kill_group(km, threading.Event())


def high_water_kb(marker):
    """The largest peak resident size (VmHWM) among the kernel's processes."""
    peak = 0
    for pid in sandbox.processes_with_marker(marker):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass
    return peak


def watch_memory(marker, done, peak):
    while not done.wait(0.2):
        peak[0] = max(peak[0], high_water_kb(marker))


def run_job(job):
    nb = nbformat.read(job["notebook"], as_version=4)
    workdir = prepare_workdir(job)
    marker, done, peak = job["sandbox"]["marker"], threading.Event(), [0]
    watcher = threading.Thread(target=watch_memory, args=(marker, done, peak))
    watcher.start()
    start = time.monotonic()
    status = execute(nb, job, kernel_manager(job, workdir))
    seconds = time.monotonic() - start
    done.set()
    watcher.join()
    leftover = sandbox.kill_marked(marker)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = max(peak[0], children) / 1024
    nbformat.write(nb, job["executed"])
    result = {"status": status, "seconds": round(seconds, 2), "peak_mb": round(peak)}
    result["leftover_processes_killed"] = leftover
    result["namespaces"] = job["sandbox"]["namespaces"]
    pathlib.Path(job["result"]).write_text(json.dumps(result))


def remove_tree(path):
    """Delete ``path``, read-only folders included."""
    for folder, _, _ in os.walk(path):
        try:
            os.chmod(folder, 0o755)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def main(argv):
    job = json.loads(pathlib.Path(argv[0]).read_text())
    try:
        run_job(job)
    finally:
        sandbox.kill_marked(job["sandbox"]["marker"])
        remove_tree(job["workdir"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
