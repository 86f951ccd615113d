"""Performance: what the hardware can do and what code achieves (Chapter 7).

:mod:`~mlplib.perf.flops` counts operations and memory traffic;
:mod:`~mlplib.perf.blocked` multiplies matrices by hand, naively and in blocks;
:mod:`~mlplib.perf.hardware` reads the processor's peak; :mod:`~mlplib.perf.measure`
measures GEMM and STREAM rates; :mod:`~mlplib.perf.timing` times a call (with the
device synchronised) under a thread count.
"""

from . import blocked, flops, hardware, measure, timing

__all__ = ["blocked", "flops", "hardware", "measure", "timing"]
