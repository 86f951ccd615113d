"""Classification metrics: the predicted class of each output row, and accuracy.

>>> import numpy as np
>>> accuracy(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([0, 0]))
0.5
"""

from ..backend import namespace
from ..errors import check_labels, check_matrix, check_same_shape


def accuracy(Y, T):
    """Fraction of rows whose predicted class matches the target.

    ``Y`` is the model output ``(N, n_out)``; the predicted class is ``argmax`` of each
    row, or ``y > 0.5`` when ``n_out == 1``. ``T`` holds one-hot (or probability) rows
    of the same shape, or integer labels ``(N,)`` in ``0 .. nclasses - 1``.
    """
    check_matrix(Y, "Y (the model output)", where="accuracy")
    if getattr(T, "ndim", None) == 1:
        labels = check_labels(T, max(Y.shape[1], 2), "labels T", "accuracy")
        check_same_shape(Y.shape[:1], labels.shape, "accuracy")
    else:
        check_same_shape(Y, T, "accuracy")
        labels = classes(T)
    return n_correct(Y, labels) / Y.shape[0]


def classes(T):
    """Class index of each row: argmax, or ``t > 0.5`` for one (binary) output."""
    xp = namespace(T)
    return (
        xp.astype(T[:, 0] > 0.5, xp.int64) if T.shape[1] == 1 else xp.argmax(T, axis=1)
    )


def n_correct(Y, labels):
    """Number of rows whose predicted class equals ``labels``."""
    xp = namespace(Y)
    return int(xp.sum(xp.astype(classes(Y) == labels, xp.int64)))
