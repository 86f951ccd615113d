"""mlplib.data: every sample exactly once per epoch, any batch size, reproducible
from the seed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplib import data

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


@SETTINGS
@given(
    n=st.integers(1, 300),
    batch_size=st.integers(1, 350),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_sample_exactly_once_per_epoch(n, batch_size, seed):
    batches = list(data.minibatches(n, batch_size, seed=seed))
    assert (
        len(batches) == data.iterations_per_epoch(n, batch_size) == -(-n // batch_size)
    )
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert (
        len(batches[-1]) == n - (len(batches) - 1) * batch_size
    )  # the partial last batch is kept


@SETTINGS
@given(
    n=st.integers(1, 300),
    batch_size=st.integers(1, 350),
    seed=st.integers(0, 2**32 - 1),
)
def test_drop_last_keeps_only_full_batches(n, batch_size, seed):
    batches = list(data.minibatches(n, batch_size, seed=seed, drop_last=True))
    assert (
        len(batches)
        == data.iterations_per_epoch(n, batch_size, drop_last=True)
        == n // batch_size
    )
    assert all(len(b) == batch_size for b in batches)
    seen = np.concatenate(batches) if batches else np.array([], dtype=int)
    assert len(np.unique(seen)) == len(seen) == (n // batch_size) * batch_size


@SETTINGS
@given(
    n=st.integers(2, 300), batch_size=st.integers(1, 50), seed=st.integers(0, 2**32 - 1)
)
def test_reproducible_from_seed(n, batch_size, seed):
    a = list(data.minibatches(n, batch_size, seed=seed))
    b = list(data.minibatches(n, batch_size, seed=seed))
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == len(b)
    expected = np.random.default_rng(seed).permutation(n)
    assert np.array_equal(np.concatenate(a), expected)


def test_different_seeds_give_different_orders_and_no_shuffle_keeps_order():
    a = np.concatenate(list(data.minibatches(100, 7, seed=0)))
    b = np.concatenate(list(data.minibatches(100, 7, seed=1)))
    assert not np.array_equal(a, b)
    batches = list(data.minibatches(10, 4, shuffle=False))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_full_batch_and_stochastic_are_special_cases():
    assert [len(b) for b in data.minibatches(5, 5, seed=0)] == [5]
    assert [len(b) for b in data.minibatches(5, 1, seed=0)] == [1] * 5
    assert [len(b) for b in data.minibatches(5, 100, seed=0)] == [5]


def test_iterations_per_epoch_slides_example():
    assert data.iterations_per_epoch(60_000, 10) == 6_000
    assert data.iterations_per_epoch(60_000, 128) == 469
    assert data.iterations_per_epoch(60_000, 128, drop_last=True) == 468


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, 10), ValueError, r"n_samples must be >= 1, got 0"),
        ((10, 0), ValueError, r"batch_size must be >= 1, got 0"),
        ((10, 2.5), TypeError, r"batch_size must be an integer, got 2.5"),
        ((10.0, 2), TypeError, r"n_samples must be an integer, got 10.0"),
        ((10, True), TypeError, r"batch_size must be an integer, got True"),
    ],
)
def test_bad_arguments_raise_at_once(args, error, match):
    with pytest.raises(error, match=match):
        data.minibatches(*args)  # no iteration needed: the check runs on the call
    with pytest.raises(error, match=match):
        data.iterations_per_epoch(*args)
