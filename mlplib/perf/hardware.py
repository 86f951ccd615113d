r"""What the machine says about itself: cores, clock, vector units, caches, GPU.

The theoretical peak of a CPU is

.. math::

    P = \text{cores} \times f \times \text{lanes} \times 2\ \text{(multiply and add)}
        \times \text{FMA units per core},

where a *lane* is one number in a vector register: a 256-bit AVX2 register holds 8
float32 or 4 float64 numbers, a 512-bit AVX-512 register twice as many. Linux lists the
instruction sets in the ``flags`` of ``/proc/cpuinfo``, the clock as ``cpu MHz`` (the
current or nominal clock) and, on machines that expose frequency scaling, the highest
clock in ``/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq``. The number of FMA
units per core is not listed; current x86 cores have at most two.
"""

import os

import numpy as np

CPUINFO = "/proc/cpuinfo"
MAX_FREQ = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"
CACHE_DIR = "/sys/devices/system/cpu/cpu0/cache"
REGISTER_BITS = {"avx512f": 512, "avx2": 256, "avx": 256, "sse2": 128}


def parse_cpuinfo(text):
    """Model, flags, highest ``cpu MHz`` and physical core count of a cpuinfo text."""
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    fields = [
        dict(
            (k.strip(), v.strip())
            for k, _, v in (line.partition(":") for line in b.splitlines())
        )
        for b in blocks
    ]
    cores = {(f.get("physical id"), f.get("core id", i)) for i, f in enumerate(fields)}
    mhz = [float(f["cpu MHz"]) for f in fields if "cpu MHz" in f]
    first = fields[0] if fields else {}
    return {
        "model": first.get("model name", "unknown"),
        "flags": set(first.get("flags", "").split()),
        "mhz": max(mhz) if mhz else None,
        "cores": len(cores),
    }


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def cpu_info():
    """What this machine reports: model, flags, cores usable here, clock and its source.

    ``cores`` is the number of physical cores, at most the CPUs this process may use.
    ``ghz`` is the highest clock the system reports (``clock_source`` says where it
    came from); ``None`` where nothing is reported (not Linux).
    """
    text = _read(CPUINFO)
    info = parse_cpuinfo(text) if text else {"model": "unknown", "flags": set()}
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = info.get("cores") or usable or os.cpu_count()
    info["cores"] = min(cores, usable) if usable else cores
    max_khz = _read(MAX_FREQ)
    if max_khz:
        info["ghz"], info["clock_source"] = int(max_khz) / 1e6, "cpuinfo_max_freq"
    elif info.get("mhz"):
        info["ghz"], info["clock_source"] = info["mhz"] / 1e3, "cpu MHz"
    else:
        info["ghz"], info["clock_source"] = None, "not reported"
    return info


def register_bits(flags):
    """Width in bits of the widest vector register the flags announce."""
    for flag, bits in REGISTER_BITS.items():
        if flag in flags:
            return bits
    return 64


def flops_per_cycle(flags, dtype="float32", fma_units=2):
    """Flops per cycle of one core: lanes x 2 (with ``fma``) x FMA units.

    Printed in chapters/07_blas_gpu.
    """
    lanes = register_bits(flags) // (8 * np.dtype(dtype).itemsize)
    per_op = 2 if "fma" in flags else 1
    return lanes * per_op * fma_units


def theoretical_peak(dtype="float32", info=None, fma_units=2, ghz=None):
    """Peak GFLOP/s = cores x clock (GHz) x :func:`flops_per_cycle`, with what was read.

    ``info`` defaults to :func:`cpu_info`; ``ghz`` overrides the clock it reports.
    """
    info = cpu_info() if info is None else info
    ghz = info["ghz"] if ghz is None else ghz
    if not ghz or ghz <= 0:
        raise ValueError("theoretical_peak: no clock frequency reported; pass ghz=")
    per_cycle = flops_per_cycle(info["flags"], dtype, fma_units)
    return {
        "gflops": info["cores"] * ghz * per_cycle,
        "cores": info["cores"],
        "ghz": ghz,
        "flops_per_cycle": per_cycle,
        "register_bits": register_bits(info["flags"]),
        "fma": "fma" in info["flags"],
        "dtype": str(np.dtype(dtype)),
    }


def implied_ghz(gflops, peak):
    """Lowest clock (GHz) at which the cores of ``peak`` could reach ``gflops``."""
    return gflops / (peak["cores"] * peak["flops_per_cycle"])


def caches():
    """Caches of CPU 0 as Linux reports them: ``[(level, type, size), ...]``."""
    if not os.path.isdir(CACHE_DIR):
        return []
    rows = []
    for index in sorted(os.listdir(CACHE_DIR)):
        if index.startswith("index"):
            path = os.path.join(CACHE_DIR, index)
            level, kind, size = (
                _read(os.path.join(path, name)).strip()
                for name in ("level", "type", "size")
            )
            rows.append((int(level), kind, size))
    return rows


def gpu_backend():
    """``"torch-cuda"`` or ``"cupy"`` when a GPU is usable here, else ``None``."""
    try:
        import torch

        if torch.cuda.is_available():
            return "torch-cuda"
    except ImportError:  # pragma: no cover
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy"
    except Exception:  # no CuPy, or CuPy without a driver
        pass
    return None
