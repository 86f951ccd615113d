"""The timer (warm-up, repeats, median, minimum) and its device synchronisation hook."""

import sys
import types

import numpy as np
import pytest
import torch

from mlplib.perf import timing


class FakeCudaTensor(torch.Tensor):
    """A CPU tensor that reports a CUDA device: synchronisation without a GPU."""

    @property
    def device(self):
        return torch.device("cuda", 0)


@pytest.fixture
def cuda_sync_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(
        torch.cuda, "synchronize", lambda device=None: calls.append(device)
    )
    return calls


def test_synchronize_is_called_for_torch_cuda_tensors(cuda_sync_calls):
    x = torch.zeros(4).as_subclass(FakeCudaTensor)
    assert timing.synchronize(x) == 1 and cuda_sync_calls == [torch.device("cuda", 0)]
    assert timing.synchronize(np.zeros(3), torch.zeros(3), 1.5) == 0
    assert len(cuda_sync_calls) == 1


def test_timer_synchronises_before_and_after_each_timed_call(cuda_sync_calls):
    x = torch.ones(4).as_subclass(FakeCudaTensor)
    t = timing.time_call(lambda a: a * 2, x, warmup=2, repeats=3)
    # warm-up: result and argument; each timed call: argument before, both after
    assert len(cuda_sync_calls) == 2 * 2 + 3 * 3
    assert t["median"] == sorted(t["times"])[1] and t["min"] == min(t["times"])


def test_unsynchronised_timer_never_synchronises(cuda_sync_calls):
    x = torch.ones(4).as_subclass(FakeCudaTensor)
    timing.time_call(lambda a: a * 2, x, warmup=1, repeats=2, sync=False)
    assert cuda_sync_calls == []


def test_synchronize_cupy_stream(monkeypatch):
    syncs = []
    stream = types.SimpleNamespace(synchronize=lambda: syncs.append("stream"))
    cuda = types.SimpleNamespace(get_current_stream=lambda: stream)
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=cuda))
    marker = object()
    monkeypatch.setattr(timing, "is_cupy_array", lambda x: x is marker)
    assert timing.synchronize(marker, np.zeros(2)) == 1 and syncs == ["stream"]


def test_timer_warmup_and_repeats_count_calls():
    calls = []
    t = timing.time_call(lambda: calls.append(1), warmup=3, repeats=4)
    assert len(calls) == 7 and len(t["times"]) == 4 and all(s >= 0 for s in t["times"])
    with pytest.raises(ValueError, match="repeats must be >= 1, got 0"):
        timing.time_call(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup must be >= 0, got -1"):
        timing.time_call(lambda: None, warmup=-1)
    with pytest.raises(TypeError, match="repeats must be an integer, got True"):
        timing.time_call(lambda: None, repeats=True)


def test_median_ignores_one_slow_run_and_min_is_the_fastest(monkeypatch):
    ticks = iter([0.0, 1.0, 10.0, 11.5, 20.0, 120.0])  # runs of 1 s, 1.5 s and 100 s
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    t = timing.time_call(lambda: None, warmup=0, repeats=3)
    assert t["times"] == [1.0, 1.5, 100.0] and t["median"] == 1.5 and t["min"] == 1.0


def test_with_transfer_moves_inputs_in_and_the_result_out():
    moved = []
    fn = timing.with_transfer(
        lambda a, b: a @ b,
        to_device=lambda a: moved.append("in") or torch.asarray(a),
        to_host=lambda t: moved.append("out") or t.numpy(),
    )
    A = np.arange(6.0).reshape(2, 3)
    out = fn(A, A.T)
    assert isinstance(out, np.ndarray) and np.array_equal(out, A @ A.T)
    assert moved == ["in", "in", "out"]


def test_threads_limit_blas_and_torch():
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    with timing.threads(1):
        assert torch.get_num_threads() == 1
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert all(pool["num_threads"] == 1 for pool in blas)
    assert torch.get_num_threads() == before
    with timing.threads(None):
        assert torch.get_num_threads() == before
    with pytest.raises(
        ValueError, match=r"threads: n \(threads, or None\) must be >= 1, got 0"
    ):
        with timing.threads(0):
            pass
