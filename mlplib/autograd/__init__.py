"""Automatic differentiation (Chapter 3): the reverse-mode engine on scalars
(:mod:`~mlplib.autograd.engine`, :class:`Value`), its drawing
(:mod:`~mlplib.autograd.graph`), and the gradient check of a model against finite
differences (:mod:`~mlplib.autograd.gradcheck`).

>>> from mlplib.autograd import Value
>>> x = Value(3.0)
>>> y = x * x
>>> y.backward()
>>> x.grad
6.0
"""

from . import engine, gradcheck
from .engine import Value

__all__ = ["Value", "engine", "gradcheck"]
