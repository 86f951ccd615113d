"""Control groups for one sandbox: memory of all its processes, tasks, CPU share.

A per-process limit (``RLIMIT_AS``) lets three children of 3 GB each hold 9 GB under
a limit of 8; ``RLIMIT_NPROC`` is not enforced for uid 0. A control group bounds the
sandbox as a whole: ``memory`` (its processes together, swap included, killed by the
kernel's OOM killer above it), ``pids`` (processes and threads), ``cpu`` (a quota of
CPUs, so one submission cannot slow the others beyond its own share). The group is
made inside the grader's own group of each controller (cgroup v1 or v2), where the
machine lets this user create one; otherwise :func:`create` returns None and the
per-process limits of :mod:`course.grading.sandbox` are all that hold.
"""

import os
import pathlib
import signal
import time

ROOT = pathlib.Path("/sys/fs/cgroup")
V1 = {
    "memory": [
        ("memory.limit_in_bytes", "{memory}"),
        ("memory.memsw.limit_in_bytes", "{memory}"),
    ],
    "pids": [("pids.max", "{tasks}")],
    "cpu": [("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "{quota}")],
}
V2 = [
    ("memory.max", "{memory}"),
    ("memory.swap.max", "0"),
    ("pids.max", "{tasks}"),
    ("cpu.max", "{quota} 100000"),
]


def own_paths():
    """``{controller: folder}`` of this process's groups (``"unified"`` for v2)."""
    paths = {}
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else ["unified"]:
            paths[name] = path.lstrip("/")
    return paths


class Group:
    """One sandbox's groups: ``procs`` (controller -> ``cgroup.procs`` file)."""

    def __init__(self, folders):
        self.folders = folders  # controller -> folder

    @property
    def procs(self):
        return {name: str(f / "cgroup.procs") for name, f in self.folders.items()}

    def pids(self):
        found = set()
        for folder in self.folders.values():
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def peak_mb(self):
        """The largest memory of the whole sandbox at once, in MiB (0 if unknown)."""
        for name, file in (("memory", "memory.max_usage_in_bytes"),
                           ("unified", "memory.peak")):  # fmt: skip
            try:
                return int((self.folders[name] / file).read_text()) / 2**20
            except (KeyError, OSError, ValueError):
                pass
        return 0

    def events(self):
        """``{"oom_kill": n, "pids_max": n}``: limits the sandbox ran into."""
        found = {}
        for name, file, key in (
            ("memory", "memory.oom_control", "oom_kill"),
            ("unified", "memory.events", "oom_kill"),
            ("pids", "pids.events", "max"),
            ("unified", "pids.events", "max"),
        ):
            try:
                lines = (self.folders[name] / file).read_text().split("\n")
            except (KeyError, OSError):
                continue
            for line in lines:
                parts = line.split()
                if len(parts) == 2 and parts[0] == key and int(parts[1]):
                    found["memory" if "memory" in file else "processes"] = int(parts[1])
        return found

    def kill(self):
        """SIGKILL every process of the sandbox until none is left (5 s at most)."""
        deadline = time.monotonic() + 5
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        return not self.pids()

    def remove(self):
        self.kill()
        for folder in self.folders.values():
            try:
                folder.rmdir()
            except OSError:
                pass


def _write(folder, settings, values):
    for file, template in settings:
        path = folder / file
        if path.exists():
            path.write_text(template.format(**values))


def create(name, memory_mb, tasks, cpus):
    """A new :class:`Group` named ``name`` with these limits, or None where this
    machine does not let the grader make one with a memory limit."""
    values = {"memory": memory_mb * 2**20, "tasks": tasks, "quota": int(cpus * 1e5)}
    own, folders = own_paths(), {}
    try:
        if (ROOT / "cgroup.controllers").exists():
            folder = ROOT / own["unified"] / name
            folder.mkdir()
            folders["unified"] = folder
            _write(folder, V2, values)
        else:
            for controller, settings in V1.items():
                folder = ROOT / controller / own.get(controller, "") / name
                folder.mkdir()
                folders[controller] = folder
                _write(folder, settings, values)
    except (OSError, KeyError):
        Group(folders).remove()
        return None
    return Group(folders)
