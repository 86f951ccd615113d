"""The timer (warm-up, repeats, median), its device synchronisation hook, and the GEMM rate sweep."""
import sys
import types

import numpy as np
import pytest
import torch

from mlplib import measure


class FakeCudaTensor(torch.Tensor):
    """A CPU tensor that reports a CUDA device, to exercise the synchronisation path without a GPU."""

    @property
    def device(self):
        return torch.device("cuda", 0)


@pytest.fixture
def cuda_sync_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(device))
    return calls


def test_synchronize_is_called_for_torch_cuda_tensors(cuda_sync_calls):
    x = torch.zeros(4).as_subclass(FakeCudaTensor)
    assert measure.synchronize(x) == 1 and cuda_sync_calls == [torch.device("cuda", 0)]
    assert measure.synchronize(np.zeros(3), torch.zeros(3), 1.5) == 0  # host arrays: nothing to wait for
    assert len(cuda_sync_calls) == 1


def test_timer_synchronises_before_and_after_each_timed_call(cuda_sync_calls):
    x = torch.ones(4).as_subclass(FakeCudaTensor)
    t = measure.time_call(lambda a: a * 2, x, warmup=2, repeats=3)
    # warm-up: result and argument (2 per call); each timed call: argument before, result and argument after
    assert len(cuda_sync_calls) == 2 * 2 + 3 * 3
    assert len(t["times"]) == 3 and t["median"] == sorted(t["times"])[1] and t["min"] == min(t["times"])


def test_unsynchronised_timer_never_synchronises(cuda_sync_calls):
    x = torch.ones(4).as_subclass(FakeCudaTensor)
    measure.time_call(lambda a: a * 2, x, warmup=1, repeats=2, sync=False)
    assert cuda_sync_calls == []
    measure.launch_vs_complete(lambda a: a * 2, x, warmup=1, repeats=2)
    assert len(cuda_sync_calls) > 0


def test_synchronize_cupy_stream(monkeypatch):
    syncs = []
    stream = types.SimpleNamespace(synchronize=lambda: syncs.append("stream"))
    fake_cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(get_current_stream=lambda: stream))
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy)
    marker = object()
    monkeypatch.setattr(measure, "is_cupy_array", lambda x: x is marker)
    assert measure.synchronize(marker, np.zeros(2)) == 1 and syncs == ["stream"]


def test_timer_warmup_and_repeats_count_calls():
    calls = []
    t = measure.time_call(lambda: calls.append(1), warmup=3, repeats=4)
    assert len(calls) == 7 and len(t["times"]) == 4 and all(s >= 0 for s in t["times"])
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        measure.time_call(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup must be an integer >= 0, got -1"):
        measure.time_call(lambda: None, warmup=-1)


def test_median_ignores_one_slow_run(monkeypatch):
    ticks = iter([0.0, 1.0, 10.0, 11.0, 20.0, 120.0])  # runs of 1 s, 1 s and 100 s
    monkeypatch.setattr(measure.time, "perf_counter", lambda: next(ticks))
    t = measure.time_call(lambda: None, warmup=0, repeats=3)
    assert t["times"] == [1.0, 1.0, 100.0] and t["median"] == 1.0


def test_gemm_rate_numpy_and_torch_cpu():
    for backend, dtype in (("numpy", "float32"), ("numpy", "float64"), ("torch", "float32")):
        r = measure.gemm_rate(64, dtype, backend, warmup=1, repeats=2)
        assert r["N"] == 64 and r["dtype"] == dtype and r["gflops"] > 0 and r["best_gflops"] >= r["gflops"]
        assert r["gflops"] == pytest.approx(2 * 64**3 / r["seconds"] / 1e9)
    A, B = measure.random_matrices(5, "float64", "torch")
    assert A.dtype == torch.float64 and A.device.type == "cpu"
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        measure.random_matrices(5, backend="tpu")


def test_threads_limit_blas_and_torch():
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    with measure.threads(1):
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
        r = measure.gemm_rate(32, n_threads=None, repeats=1)
    assert torch.get_num_threads() == before and r["gflops"] > 0
    with pytest.raises(ValueError, match="threads: n must be a positive integer or None, got 0"):
        with measure.threads(0):
            pass


def test_sweep_and_peak():
    res = measure.sweep([16, 32], "float64", repeats=2)
    assert [r["N"] for r in res] == [16, 32]
    assert measure.measured_peak(res) == max(r["best_gflops"] for r in res)
    with pytest.raises(ValueError, match="no measurements"):
        measure.measured_peak([])


def test_gpu_backend_is_none_without_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert measure.gpu_backend() in (None, "cupy")
