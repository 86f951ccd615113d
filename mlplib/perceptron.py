r"""Rosenblatt's perceptron: one neuron with a hard-limit activation and its learning
rule.

For an input row :math:`x` (``n_in`` features), weights :math:`W` of shape ``(n_in,)``
and a bias
:math:`b`, the perceptron outputs

.. math::

    y = \mathrm{hardlim}(x \cdot W + b) \in \{0, 1\}.

A batch ``X`` of shape ``(N, n_in)`` gives ``Z = X @ W + b`` and ``Y = hardlim(Z)``,
both ``(N,)``. Training visits the samples one at a time and applies the perceptron
learning rule

.. math::

    W \leftarrow W + \eta\,(t - y)\,x, \qquad b \leftarrow b + \eta\,(t - y),

which changes nothing when the prediction is right (:math:`t = y`) and moves the
decision boundary :math:`x \cdot W + b = 0` towards the misclassified sample otherwise.
If the two classes can be separated by a line (a hyperplane), training stops after
finitely many updates (the perceptron convergence theorem); if they cannot (XOR), it
never stops.
"""

import numpy as np

from .activations import hardlim
from .backend import namespace
from .errors import (
    ShapeError,
    check_finite,
    check_float_dtype,
    check_int,
    check_matrix,
    check_real,
)


def perceptron_rule(W, b, x, t, eta=1.0):
    r"""One step of the learning rule for sample ``x`` with label ``t``.

    :math:`y = \mathrm{hardlim}(x \cdot W + b)`, :math:`W' = W + \eta (t - y) x`,
    :math:`b' = b + \eta (t - y)`. Returns ``(W', b', t - y)``; the inputs are not
    modified.

    Printed in chapters/01_perceptron.
    """
    y = hardlim(x @ W + b)
    e = t - y
    return W + eta * e * x, b + eta * e, e


class Perceptron:
    """A single perceptron ``y = hardlim(X @ W + b)`` with ``W: (n_in,)`` and a scalar
    bias ``b``.

    ``W`` and ``b`` start at zero unless given (the rule needs no random start). ``eta``
    is the learning rate. After :meth:`fit`, ``errors`` lists the misclassified samples
    per epoch and ``history`` the ``(W, b)`` at the end of each epoch.
    """

    def __init__(self, n_in, eta=1.0, W=None, b=0.0, dtype=np.float64):
        n_in = check_int(n_in, "n_in", "Perceptron")
        self.eta = check_real(eta, "learning rate eta", "Perceptron", 0, open_="low")
        dtype = check_float_dtype(dtype, "Perceptron")
        self.W = np.zeros(n_in, dtype=dtype) if W is None else np.array(W, dtype=dtype)
        if self.W.shape != (n_in,):
            raise ShapeError(
                f"Perceptron: W has shape {self.W.shape}, expected ({n_in},), one "
                "weight per input"
            )
        check_finite(self.W, "W", "Perceptron")
        self.b = check_real(b, "bias b", "Perceptron")
        self.errors, self.history = [], []

    @property
    def n_in(self):
        return self.W.shape[0]

    def _check_X(self, X):
        check_matrix(X, "input X", self.n_in, where=f"Perceptron({self.n_in} inputs)")
        check_finite(X, "input X", where=f"Perceptron({self.n_in} inputs)")

    def net(self, X):
        """The net input (logit) ``Z = X @ W + b``, shape ``(N,)``."""
        self._check_X(X)
        return X @ self.W + self.b

    def predict(self, X):
        """The outputs ``Y = hardlim(X @ W + b)`` in {0, 1}, shape ``(N,)``."""
        return hardlim(self.net(X))

    __call__ = predict

    def _check_T(self, X, T):
        where = f"Perceptron({self.n_in} inputs)"
        if getattr(T, "ndim", None) != 1 or T.shape[0] != X.shape[0]:
            raise ShapeError(
                f"{where}: labels T must be a 1-D array with one label per row of X, "
                f"i.e. shape ({X.shape[0]},); "
                f"got shape {tuple(getattr(T, 'shape', ()))}"
            )
        xp = namespace(T)
        bad = ~((T == 0) | (T == 1))
        if bool(xp.any(bad)):
            i = int(xp.nonzero(bad)[0][0])
            raise ValueError(
                f"{where}: labels T must be 0 or 1 (hardlim outputs); found {T[i]!r} "
                f"at index {i}"
                + (
                    " (for -1/+1 labels use (T + 1) / 2)"
                    if bool(xp.any(T == -1))
                    else ""
                )
            )

    def train_epoch(self, X, T):
        """One pass over the rows of ``X`` in order, applying :func:`perceptron_rule`;
        returns the number of errors."""
        n_errors = 0
        for x, t in zip(X, T):
            self.W, b, e = perceptron_rule(self.W, self.b, x, t, self.eta)
            self.b = float(b)
            n_errors += int(e != 0)
        return n_errors

    def fit(self, X, T, max_epochs=100):
        """Train epoch by epoch until an epoch makes no error, or ``max_epochs`` epochs
        have run.

        Returns ``self``; ``self.errors[k]`` is the number of misclassified samples in
        epoch ``k + 1`` and ``self.converged`` says whether the last epoch was
        error-free.
        """
        self._check_X(X)
        self._check_T(X, T)
        check_int(max_epochs, "max_epochs", "Perceptron.fit")
        self.errors, self.history = [], []
        for _ in range(max_epochs):
            self.errors.append(self.train_epoch(X, T))
            self.history.append((self.W.copy(), self.b))
            if self.errors[-1] == 0:
                break
        return self

    @property
    def converged(self):
        """True when the last training epoch classified every sample correctly."""
        return bool(self.errors) and self.errors[-1] == 0

    def boundary(self, lo=-0.5, hi=1.5):
        """Two points ``(x1s, x2s)`` on the line ``w1 x1 + w2 x2 + b = 0`` spanning
        ``[lo, hi]``.

        Solves for ``x2`` when ``|w2| >= |w1|`` (the line is not steep), else for
        ``x1``, so a vertical boundary (``w2 = 0``) works too. Only for two inputs.
        """
        return decision_boundary(self.W, self.b, lo, hi)

    def __repr__(self):
        W = np.round(self.W, 4).tolist()
        return (
            f"Perceptron(n_in={self.n_in}, eta={self.eta}, W={W}, b={round(self.b, 4)})"
        )


def decision_boundary(W, b, lo=-0.5, hi=1.5):
    r"""Two points on the line :math:`w_1 x_1 + w_2 x_2 + b = 0`, e.g. to draw it with
    ``plt.plot(*points)``.

    Returns ``(x1s, x2s)``, each of length 2. With :math:`|w_2| \ge |w_1|` the line is
    :math:`x_2 = -(w_1 x_1 + b) / w_2` for :math:`x_1 \in \{lo, hi\}`; otherwise
    :math:`x_1 = -(w_2 x_2 + b) / w_1` for :math:`x_2 \in \{lo, hi\}`.
    """
    W = np.asarray(W, dtype=float)
    if W.shape != (2,):
        raise ShapeError(
            "decision_boundary: W must have shape (2,) (a line needs two inputs), "
            f"got {W.shape}"
        )
    w1, w2 = W
    if w1 == 0 and w2 == 0:
        raise ValueError(
            "decision_boundary: W = [0, 0] has no boundary line (the output is "
            f"hardlim({b}) for every x)"
        )
    ends = np.array([lo, hi], dtype=float)
    if abs(w2) >= abs(w1):
        return ends, -(w1 * ends + b) / w2
    return -(w2 * ends + b) / w1, ends
