"""Every input check of mlplib, in one place: fail loudly, naming the culprit.

A neural network silently broadcasts a (3,) target against a (3, 1) prediction and
trains on garbage; these checks turn such mistakes into errors that say which layer,
which argument, which shapes and which values, and what was expected.

One policy for numbers: ``True`` and ``False`` are never accepted where a count or a
real number is expected (``Dense(True, 2)`` is a mistake, not a 1-input layer). A value
of the wrong type raises :class:`TypeError`, a value out of range :class:`ValueError`.

``where`` names the caller (``"fit"``, ``"layer '0' (Dense 784 -> 16, relu)"``); it may
be a function returning that string, so that hot paths build the label only on failure.
"""

import functools
import math

import numpy as np

from .backend import namespace


class ShapeError(ValueError):
    """An array has the wrong number of dimensions or the wrong size along one."""


class NonFiniteError(ValueError):
    """An array or number holds NaN or infinity where finite numbers are required."""


def _prefix(where):
    """``"where: "`` for a message; ``where`` is a string or a function returning
    one."""
    where = where() if callable(where) else where
    return f"{where}: " if where else ""


def _shape(X):
    """The shape of an array, or ``X`` itself when it is already a shape tuple."""
    return tuple(X) if isinstance(X, tuple) else tuple(getattr(X, "shape", ()))


def checked(check):
    """Decorator: ``check(*args)`` runs first and raises on bad input; the decorated
    function holds only the math."""

    def decorate(f):
        @functools.wraps(f)
        def checked_f(*args, **kwargs):
            check(*args, **kwargs)
            return f(*args, **kwargs)

        return checked_f

    return decorate


def check_int(value, name, where="", minimum=1):
    """An integer ``>= minimum`` (a count: layer sizes, epochs, batch sizes); no
    bool."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{_prefix(where)}{name} must be an integer, got {value!r} "
            f"({type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"{_prefix(where)}{name} must be >= {minimum}, got {value}")
    return int(value)


def check_real(value, name, where="", low=None, high=None, open_=""):
    """A finite real number in ``[low, high]``; no bool.

    ``open_`` names the open ends: ``"low"``, ``"high"`` or ``"both"`` (``"high"`` makes
    the interval ``[low, high)``).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"{_prefix(where)}{name} must be a real number, got {value!r} "
            f"({type(value).__name__})"
        )
    value = float(value)
    lo_open, hi_open = open_ in ("low", "both"), open_ in ("high", "both")
    below = low is not None and (value <= low if lo_open else value < low)
    above = high is not None and (value >= high if hi_open else value > high)
    if not math.isfinite(value) or below or above:
        lo = "(-inf" if low is None else f"{'(' if lo_open else '['}{low:g}"
        hi = "inf)" if high is None else f"{high:g}{')' if hi_open else ']'}"
        raise ValueError(
            f"{_prefix(where)}{name} must be a finite number in {lo}, {hi}, got {value}"
        )
    return value


def check_choice(value, name, choices, where=""):
    """One of a fixed set of strings (``formulation``, ``mode``, ...)."""
    if value not in choices:
        raise ValueError(
            f"{_prefix(where)}{name} must be one of {list(choices)}, got {value!r}"
        )
    return value


def check_float_dtype(dtype, where=""):
    """A floating-point NumPy dtype (float32, float64): integer weights truncate."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{_prefix(where)}dtype must be a NumPy floating-point type such as "
            f"np.float32 or np.float64, got {dtype!r}"
        ) from None
    if dt.kind != "f":
        raise TypeError(
            f"{_prefix(where)}dtype must be floating point (np.float32 or np.float64), "
            f"got {dt}: an integer or bool array cannot hold weights"
        )
    return dt


def check_names(got, expected, what, where="", subset=False):
    """The keys of ``got`` are exactly ``expected`` (parameter names such as
    ``"0.W"``), or some of them with ``subset=True``."""
    missing = [] if subset else sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        which = "some of" if subset else "exactly"
        raise ValueError(
            f"{_prefix(where)}{what} do not match: missing {missing}, unexpected "
            f"{extra}; expected {which} {list(expected)}"
        )


def check_matrix(X, what, n_cols=None, where=""):
    """A 2-D ``(batch, features)`` array, with ``n_cols`` columns if given."""
    ndim = getattr(X, "ndim", None)
    if ndim != 2:
        got = f"{ndim}-D array of shape {_shape(X)}" if ndim else type(X).__name__
        hint = {
            1: " (reshape a single sample x to x.reshape(1, -1))",
            3: " (flatten images with x.reshape(len(x), -1))",
        }.get(ndim, "")
        raise ShapeError(
            f"{_prefix(where)}{what} must be a 2-D array of shape (batch, features), "
            f"got {got}{hint}"
        )
    if n_cols is not None and X.shape[1] != n_cols:
        raise ShapeError(
            f"{_prefix(where)}{what} has {X.shape[1]} features (columns) but {n_cols} "
            f"were expected; got shape {_shape(X)}, expected (batch, {n_cols})"
        )


def is_finite(X):
    """Whether every entry of ``X`` is finite.

    Cheap: a NaN or infinity anywhere poisons the dot product ``x . x`` of the flattened
    array (for other array libraries, the sum); only when that is not finite (which an
    overflow of finite squares can also cause) is every entry looked at.
    """
    if isinstance(X, float):
        return math.isfinite(X)
    if isinstance(X, np.ndarray) and X.dtype.kind == "f":
        if math.isfinite(np.vdot(X, X)):
            return True
    elif bool(namespace(X).isfinite(namespace(X).sum(X))):
        return True
    xp = namespace(X)
    return bool(xp.all(xp.isfinite(X)))


def check_finite(X, what, where=""):
    """Every entry of the array ``X`` is finite (a scalar works too)."""
    if not is_finite(X):
        xp = namespace(X)
        bad = ~xp.isfinite(X)
        n_bad = int(xp.sum(xp.astype(bad, xp.int64)))
        first = tuple(int(i[0]) for i in xp.nonzero(bad)) if X.ndim else ()
        raise NonFiniteError(
            f"{_prefix(where)}{what} of shape {_shape(X)} contains {n_bad} NaN or "
            f"infinite value(s), the first at index {first} ({float(X[first])}); "
            "all entries must be finite"
        )


def check_same_shape(Y, T, where, hint=""):
    """Output ``Y`` (or its shape) and target ``T``: one shape (no broadcasting)."""
    if _shape(Y) != _shape(T):
        raise ShapeError(
            f"{_prefix(where)}output shape {_shape(Y)} and target shape {_shape(T)} "
            f"differ; they must be equal{hint} (a (n,) target against a (n, 1) output "
            "would silently broadcast to (n, n))"
        )


def check_labels(y, n_classes, what, where=""):
    """Integer class labels of shape ``(N,)`` with values in ``0 .. n_classes - 1``."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"{_prefix(where)}{what} must be integer class labels of shape (N,), "
            f"got dtype {y.dtype} and shape {y.shape}"
        )
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{_prefix(where)}{what} must lie in 0..{n_classes - 1} for {n_classes} "
            f"classes, got values from {int(y.min())} to {int(y.max())}"
        )
    return y


def check_probabilities(T, what, where=""):
    """Every entry of ``T`` lies in ``[0, 1]`` (binary cross-entropy targets)."""
    xp = namespace(T)
    if bool(xp.any(T < 0)) or bool(xp.any(T > 1)):
        raise ValueError(
            f"{_prefix(where)}{what} must be probabilities in [0, 1], got values from "
            f"{float(xp.min(T))} to {float(xp.max(T))}"
        )


def _eps(dtype):
    """Machine epsilon of a NumPy or other library's float dtype (float64's
    otherwise)."""
    name = str(dtype).split(".")[-1]  # "torch.float32" -> "float32"
    kind = np.dtype(name).kind if hasattr(np, name) else "f"
    return float(np.finfo(name if kind == "f" else np.float64).eps)


def check_distributions(T, what, where=""):
    """Every row of ``T`` is a distribution: entries ``>= 0`` summing to 1.

    The tolerance on the sum is the square root of the dtype's machine epsilon (3e-4 in
    float32, 1.5e-8 in float64): one-hot and smoothed labels pass, a row of zeros or one
    summing to 1.5 does not.
    """
    xp = namespace(T)
    check_probabilities(T, what, where)
    excess = xp.abs(xp.sum(T, axis=1) - 1)
    tol = math.sqrt(_eps(T.dtype))
    if bool(xp.any(excess > tol)):
        row = int(xp.argmax(excess))
        raise ValueError(
            f"{_prefix(where)}{what} must be one-hot or probability rows summing to 1 "
            f"(or integer labels of shape (N,)); row {row} sums to "
            f"{float(xp.sum(T[row]))}"
        )
