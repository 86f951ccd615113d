r"""A scalar computational-graph engine: reverse-mode automatic differentiation in one
class.

Every :class:`Value` holds a number ``data``, the gradient ``grad`` of the final output
with respect to it, the values it was computed from (``children``) and the operation
``op`` that produced it. :meth:`Value.backward` visits the graph in reverse topological
order and applies the chain rule at each node,

.. math::

    \text{[downstream gradient]} = \text{[upstream gradient]} \times \text{[local
    gradient]},

*adding* into ``grad``, so a value used twice (the copy gate) receives the sum of the
gradients along both paths. The four gates, each a local rule:

* add distributes: both inputs receive the upstream gradient unchanged;
* mul swaps: each input receives the upstream gradient times the *other* input;
* max routes: the larger input receives the whole gradient, the other none;
* copy adds: a value feeding several nodes gets the sum of their gradients.

Subtraction, negation and division are built from these primitives
(``a - b = a + (-1) b``, ``a / b = a b^{-1}``). In the spirit of Karpathy's micrograd.
"""

import math

from ..errors import check_real


class Value:
    """A scalar in a computational graph: ``data``, ``grad``
    (:math:`\\partial L/\\partial` this), ``op``, ``children``."""

    def __init__(self, data, children=(), op="", label=""):
        self.data = check_real(data, "data", "Value")
        self.grad = 0.0
        self.children = tuple(children)
        self.op = op
        self.label = label
        # pushes self.grad to the children (set by the op that made this value)
        self._backward = lambda: None

    # ---- the primitive gates ---------------------------------------------------------
    def __add__(self, other):
        """Add gate: :math:`\\partial(a+b)/\\partial a = \\partial(a+b)/\\partial b = 1`
        (distributes)."""
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        """Mul gate: :math:`\\partial(ab)/\\partial a = b`,
        :math:`\\partial(ab)/\\partial b = a` (swaps).

        Printed in chapters/03_backpropagation.
        """
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "×")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def max(self, other):
        """Max gate: the gradient goes to the larger input (to ``self`` on a tie), the
        other gets 0 (routes)."""
        other = _as_value(other)
        self_wins = self.data >= other.data
        out = Value(self.data if self_wins else other.data, (self, other), "max")

        def _backward():
            (self if self_wins else other).grad += out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        """:math:`a^k` for a constant number ``k``: local gradient :math:`k a^{k-1}`."""
        k = check_real(k, "the exponent", "Value.__pow__")
        return self._unary(self.data**k, lambda: k * self.data ** (k - 1), f"**{k:g}")

    def exp(self):
        """:math:`e^a`, local gradient :math:`e^a` (the output itself)."""
        y = math.exp(self.data)
        return self._unary(y, lambda: y, "exp")

    def log(self):
        """:math:`\\ln a` for :math:`a > 0`, local gradient :math:`1/a`."""
        if self.data <= 0:
            raise ValueError(f"Value.log: needs a positive number, got {self.data}")
        return self._unary(math.log(self.data), lambda: 1 / self.data, "log")

    def sigmoid(self):
        """:math:`\\sigma(a) = 1/(1+e^{-a})`, local gradient
        :math:`\\sigma(1-\\sigma)`; stable for any ``a``."""
        e = math.exp(-abs(self.data))
        s = 1 / (1 + e) if self.data >= 0 else e / (1 + e)
        return self._unary(s, lambda: s * (1 - s), "σ")

    def tanh(self):
        """:math:`\\tanh a`, local gradient :math:`1 - \\tanh^2 a`."""
        t = math.tanh(self.data)
        return self._unary(t, lambda: 1 - t * t, "tanh")

    def relu(self):
        """:math:`\\max(a, 0)`, local gradient 1 for :math:`a > 0`, else 0 (PyTorch's
        convention at 0)."""
        return self._unary(max(self.data, 0.0), lambda: float(self.data > 0), "relu")

    def _unary(self, y, local_gradient, op):
        out = Value(y, (self,), op)

        def _backward():
            self.grad += local_gradient() * out.grad

        out._backward = _backward
        return out

    # ---- derived from the primitives -------------------------------------------------
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        return self * _as_value(other) ** -1

    def __radd__(self, other):
        return _as_value(other) + self

    def __rmul__(self, other):
        return _as_value(other) * self

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    # ---- backward --------------------------------------------------------------------
    def topological_order(self):
        """Every value this one depends on, each after all of its children
        (depth-first)."""
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for child in v.children:
                    visit(child)
                order.append(v)

        visit(self)
        return order

    def backward(self):
        """Set ``grad`` of every value in the graph to
        :math:`\\partial\\,\\text{self}/\\partial v`.

        Gradients are reset first, then ``self.grad = 1`` and each node, from the output
        back to the leaves, passes its gradient to its children.

        Printed in chapters/03_backpropagation.
        """
        order = self.topological_order()
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._backward()

    def __repr__(self):
        label = f"{self.label}: " if self.label else ""
        return f"Value({label}data={self.data:.6g}, grad={self.grad:.6g})"


def _as_value(x):
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)):
        return Value(x)
    raise TypeError(
        f"cannot combine a Value with {type(x).__name__}; use a Value, int or float"
    )
