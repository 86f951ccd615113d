"""Data-parallel training (mlplib.distributed): the math without processes, then 2 gloo
processes whose weights must equal one process on the whole batch and PyTorch's
DistributedDataParallel (float64, 1e-10), and failures that must end in an error."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from mlplib import distributed, optim, training
from mlplib.distributed import processes
from mlplib.model import Sequential

LOSS = "categorical_cross_entropy"
SIZES, ACTS = [20, 16, 16, 4], ["relu", "relu", "softmax"]


def model64(sizes=SIZES, seed=0):
    return Sequential.from_sizes(sizes, ACTS, seed=seed, dtype=np.float64)


def data(n=150, seed=3):
    return distributed.synthetic_data(n, SIZES, seed=seed)


def max_diff(a, b):
    assert sorted(a) == sorted(b)
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


# ---- the math, in one process
# ---------------------------------------------------------------
@pytest.mark.parametrize("counts", [[8, 8, 8, 8], [3, 5, 0, 7]])
def test_combined_shard_gradients_equal_the_whole_batch_gradient(counts):
    X, y = data(sum(counts))
    model = model64()
    model.compute_gradients(LOSS, X, np.eye(4)[y])
    whole = {k: v.copy() for k, v in model.gradients().items()}
    parts, start = [], 0
    for n in counts:
        if n:
            model.compute_gradients(
                LOSS, X[start : start + n], np.eye(4)[y[start : start + n]]
            )
            parts.append({k: v.copy() for k, v in model.gradients().items()})
        else:
            parts.append({k: np.zeros_like(v) for k, v in whole.items()})
        start += n
    assert max_diff(distributed.combine_gradients(parts, counts), whole) < 1e-12
    if len(set(counts)) > 1:  # the plain mean is wrong for unequal shards
        assert max_diff(distributed.combine_gradients(parts), whole) > 1e-3


@pytest.mark.parametrize("algorithm", distributed.ALGORITHMS)
@pytest.mark.parametrize("p", [2, 3, 4, 5, 8])
def test_simulated_allreduce_sums_and_sends_what_the_model_says(algorithm, p):
    rng = np.random.default_rng(p)
    n = 6 * p
    vectors = [rng.standard_normal(n) for _ in range(p)]
    results, sent = distributed.simulate_allreduce(vectors, algorithm)
    for result in results:
        np.testing.assert_allclose(result, np.sum(vectors, axis=0), rtol=0, atol=1e-12)
    assert sent.max() == distributed.words_sent(n, p, algorithm)
    steps = len(distributed.schedule(p, algorithm))
    per_step = n / p if algorithm == "ring" else n
    assert distributed.allreduce_time(8 * n, p, 1.0, 0.0, algorithm) == steps
    assert (
        distributed.allreduce_time(8 * n, p, 0.0, 1.0, algorithm)
        == steps * 8 * per_step
    )


def test_ring_schedule_for_three_ranks():
    steps = distributed.ring_schedule(3)
    assert [[c for *_, c in step] for step in steps] == [
        [0, 1, 2],
        [2, 0, 1],
        [1, 2, 0],
        [0, 1, 2],
    ]
    assert all(dst == (src + 1) % 3 for step in steps for _, src, dst, _ in step)


def test_fit_alpha_beta_recovers_the_model_and_reports_its_error():
    n = np.array([2.0**k for k in range(10, 27)])
    exact = distributed.allreduce_time(n, 4, 5e-5, 1e-9)
    fitted = distributed.fit_alpha_beta(n, exact, 4)
    assert fitted["alpha"] == pytest.approx(5e-5, rel=1e-9)
    assert fitted["beta"] == pytest.approx(1e-9, rel=1e-9)
    assert fitted["max_rel_err"] < 1e-9
    noisy = exact * np.where(np.arange(n.size) % 2, 1.2, 0.8)
    assert 0.1 < distributed.fit_alpha_beta(n, noisy, 4)["max_rel_err"] < 0.3


def test_scaled_lr_warms_up_linearly_to_p_times_the_rate():
    lrs = [distributed.scaled_lr(0.1, 8, s, warmup_steps=4) for s in range(6)]
    np.testing.assert_allclose(lrs, [0.1, 0.275, 0.45, 0.625, 0.8, 0.8])


def test_allreduce_gradients_weights_in_place_and_refuses_arrays_it_cannot_share():
    g = {"0.W": np.arange(6.0).reshape(2, 3)}
    same = g["0.W"]
    assert distributed.allreduce_gradients(g, weight=0.25)["0.W"] is same
    np.testing.assert_array_equal(same, np.arange(6.0).reshape(2, 3) / 4)
    with pytest.raises(TypeError, match="1.W must be a writable C-contiguous"):
        distributed.allreduce_gradients({"1.W": np.ones((3, 2)).T})
    with pytest.raises(TypeError, match="list"):
        distributed.allreduce_gradients({"1.b": [1.0, 2.0]})


def test_mismatched_gradient_names_are_a_value_error_naming_the_worker():
    grads = [{"0.W": np.ones(2)}, {"0.b": np.ones(2)}]
    with pytest.raises(ValueError, match="worker 1's gradient names.*missing"):
        distributed.combine_gradients(grads)


def test_the_command_line_script_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "mlplib.distributed", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "--out" in done.stdout and "RuntimeWarning" not in done.stderr


# ---- two gloo processes
# ---------------------------------------------------------------------
def fail_at_step(step):
    """A learning-rate function that raises at step 3 (the rank is then inside
    training)."""
    if step == 3:
        raise RuntimeError("rank gave up at step 3")
    return 0.1


def sleep_forever():
    time.sleep(600)


def crash():
    os._exit(3)


@pytest.fixture(scope="module")
def cluster():
    with distributed.Cluster(2, timeout=60) as c:
        yield c


@pytest.mark.parametrize("n, batch_size", [(128, 32), (150, 33)])
def test_two_processes_equal_one_process_and_ddp(cluster, n, batch_size):
    """Equal shards (32 = 16 + 16): mlplib, DDP and one process agree. Unequal shards
    (33 = 17 + 16): DDP takes the plain mean of the ranks' gradients, mlplib weights
    them by their sample counts and still equals one process on the whole batch."""
    X, y = data(n)
    model = model64()
    opt = optim.SGD(model.parameters(), lr=0.1)
    common = dict(epochs=3, batch_size=batch_size, seed=7)
    ours = dict(model=model, X=X, T=y, loss=LOSS, optimizer=opt, **common)
    ddp = dict(model=model, X=X, y=y, lr=0.1, **common)
    ranks = cluster.run([distributed.fit_params, distributed.ddp_fit], [ours, ddp])
    alone = model64()
    opt = optim.SGD(alone.parameters(), lr=0.1)
    training.fit(alone, X, y, LOSS, opt, progress=False, **common)
    reference = alone.parameters()
    assert max_diff(reference, model64().parameters()) > 1e-2  # the weights moved
    for mine, theirs in ranks:
        assert max_diff(mine["params"], reference) < 1e-10
        if batch_size % 2 == 0:
            assert max_diff(theirs, reference) < 1e-10
        else:
            assert max_diff(theirs, reference) > 1e-4
    assert max_diff(ranks[0][0]["params"], ranks[1][0]["params"]) == 0.0
    assert ranks[0][0]["history"]["steps"] == [int(np.ceil(n / batch_size))] * 3


def test_ranks_with_different_models_get_a_shape_error(cluster):
    X, y = data()
    small, wide = model64(), model64([20, 32, 16, 4])
    ranks = [
        dict(model=m, optimizer=optim.SGD(m.parameters(), lr=0.1))
        for m in (small, wide)
    ]
    start = time.monotonic()
    with pytest.raises(
        distributed.RankError,
        match=r"ShapeError: ranks disagree on their parameters.*0\.W",
    ):
        cluster.run(
            distributed.fit_params, dict(X=X, T=y, loss=LOSS), rank_kwargs=ranks
        )
    assert time.monotonic() - start < 30
    with pytest.raises(RuntimeError, match="closed"):
        cluster.run(distributed.rank)


def test_a_rank_failing_during_training_ends_the_run_with_its_error():
    X, y = data()
    model = model64()
    task = dict(
        model=model,
        X=X,
        T=y,
        loss=LOSS,
        optimizer=optim.SGD(model.parameters()),
        epochs=5,
    )
    start = time.monotonic()
    with distributed.Cluster(2, timeout=60) as c:
        with pytest.raises(
            distributed.RankError, match="rank 1 of 2 failed.*gave up at step 3"
        ):
            c.run(distributed.fit_params, task, rank_kwargs=[{}, {"lr": fail_at_step}])
    assert time.monotonic() - start < 45  # far less than the 60 s timeout


def test_a_crashed_rank_and_a_stuck_rank_end_the_run():
    with pytest.raises(
        distributed.RankError, match="rank 0 of 1 died without an error message"
    ):
        with distributed.Cluster(1, timeout=60) as cluster:
            cluster.run(crash)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="did not finish within"):
        with distributed.Cluster(1, timeout=5) as cluster:
            cluster.run(sleep_forever)
    assert time.monotonic() - start < 30


def test_functions_from_main_are_refused_before_any_process_starts():
    def local():
        return 0

    local.__module__ = "__main__"
    with pytest.raises(ValueError, match="cannot import"):
        processes.tasks_of(local, None, None, 2)  # what Cluster.run checks first
