"""What the machine reports (mlplib.perf.hardware): /proc/cpuinfo, the peak formula."""

import pytest

from mlplib.perf import hardware

CPUINFO = """processor\t: 0
model name\t: Example CPU @ 2.00GHz
physical id\t: 0
core id\t\t: 0
cpu MHz\t\t: 1999.9
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 1
model name\t: Example CPU @ 2.00GHz
physical id\t: 0
core id\t\t: 0
cpu MHz\t\t: 2400.0
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 2
model name\t: Example CPU @ 2.00GHz
physical id\t: 0
core id\t\t: 1
cpu MHz\t\t: 2000.0
flags\t\t: fpu sse2 avx avx2 fma
"""


def test_parse_cpuinfo_counts_physical_cores_and_takes_the_highest_clock():
    info = hardware.parse_cpuinfo(CPUINFO)
    assert info["cores"] == 2  # processors 0 and 1 are two threads of core 0
    assert info["mhz"] == 2400.0 and "avx2" in info["flags"]
    assert info["model"] == "Example CPU @ 2.00GHz"


@pytest.mark.parametrize(
    "flags, dtype, expected",
    [
        ({"avx512f", "avx2", "fma"}, "float32", 16 * 2 * 2),
        ({"avx512f", "avx2", "fma"}, "float64", 8 * 2 * 2),
        ({"avx2", "fma"}, "float32", 8 * 2 * 2),
        ({"avx2", "fma"}, "float64", 4 * 2 * 2),
        ({"avx"}, "float64", 4 * 1 * 2),  # no FMA: a multiply and an add are two ops
        ({"sse2"}, "float64", 2 * 1 * 2),
    ],
)
def test_flops_per_cycle(flags, dtype, expected):
    assert hardware.flops_per_cycle(flags, dtype) == expected


def test_theoretical_peak_is_cores_times_clock_times_flops_per_cycle():
    info = hardware.parse_cpuinfo(CPUINFO) | {"ghz": 2.4}
    peak = hardware.theoretical_peak("float32", info)
    assert peak["gflops"] == pytest.approx(2 * 2.4 * 32)
    assert hardware.theoretical_peak("float64", info, ghz=3.0)["gflops"] == 2 * 3 * 16
    assert hardware.implied_ghz(peak["gflops"], peak) == pytest.approx(2.4)
    with pytest.raises(ValueError, match="no clock frequency reported"):
        hardware.theoretical_peak("float32", info | {"ghz": None})


def test_cpu_info_of_this_machine():
    info = hardware.cpu_info()
    assert info["cores"] >= 1
    assert info["clock_source"] in ("cpuinfo_max_freq", "cpu MHz", "not reported")
    if info["ghz"] is not None:
        assert 0.2 < info["ghz"] < 7


def test_caches_and_gpu_backend():
    for level, kind, size in hardware.caches():
        assert level in (1, 2, 3, 4) and kind and size
    import torch

    if not torch.cuda.is_available():
        assert hardware.gpu_backend() in (None, "cupy")
