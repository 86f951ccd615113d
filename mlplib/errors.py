"""Input checks that fail loudly, naming what was wrong and what was expected.

A neural network silently broadcasts a (3,) target against a (3, 1) prediction and
trains on garbage; these checks turn such mistakes into errors that say which layer,
which shapes and which values.
"""
from .backend import namespace


class ShapeError(ValueError):
    """An array has the wrong number of dimensions or the wrong size along one."""


class NonFiniteError(ValueError):
    """An array holds NaN or infinity where finite numbers are required."""


def _prefix(where):
    """``"where: "`` for an error message; ``where`` is a string or a function returning one.

    Hot paths (every layer, every batch) pass a function, so the label is built only when an error is raised.
    """
    where = where() if callable(where) else where
    return f"{where}: " if where else ""


def check_matrix(X, what, n_cols=None, where=""):
    """Require ``X`` to be a 2-D (batch, features) array, with ``n_cols`` columns if given."""
    ndim = getattr(X, "ndim", None)
    if ndim != 2:
        prefix = _prefix(where)
        shape = getattr(X, "shape", None)
        raise ShapeError(
            f"{prefix}{what} must be a 2-D array of shape (batch, features), got "
            + (f"{ndim}-D array of shape {tuple(shape)}" if shape is not None else f"{type(X).__name__}")
            + (" (reshape a single sample x to x.reshape(1, -1))" if ndim == 1 else "")
        )
    if n_cols is not None and X.shape[1] != n_cols:
        prefix = _prefix(where)
        raise ShapeError(
            f"{prefix}{what} has {X.shape[1]} features (columns) but {n_cols} were expected; "
            f"got shape {tuple(X.shape)}, expected (batch, {n_cols})"
        )


def check_finite(X, what, where=""):
    """Require every entry of ``X`` to be finite."""
    xp = namespace(X)
    finite = xp.isfinite(X)
    if not bool(xp.all(finite)):
        prefix = _prefix(where)
        n_bad = int(xp.sum(xp.astype(~finite, xp.int64)))
        first = tuple(int(i[0]) for i in xp.nonzero(~finite)) if X.ndim else ()
        raise NonFiniteError(
            f"{prefix}{what} of shape {tuple(X.shape)} contains {n_bad} NaN or infinite value(s), "
            f"the first at index {first} ({float(X[first])}); all entries must be finite"
        )


def check_same_shape(Y, T, where):
    """Require prediction ``Y`` and target ``T`` to have exactly the same shape (no broadcasting)."""
    if tuple(Y.shape) != tuple(T.shape):
        raise ShapeError(
            f"{where}: prediction shape {tuple(Y.shape)} and target shape {tuple(T.shape)} differ; "
            "they must be equal (a (n,) target against a (n, 1) prediction would silently broadcast to (n, n))"
        )
