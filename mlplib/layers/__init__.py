"""Layers: the protocol (:mod:`~mlplib.layers.base`), the dense layer
(:mod:`~mlplib.layers.dense`) and an activation as a layer
(:mod:`~mlplib.layers.activation`).

>>> import numpy as np
>>> layer = Dense(3, 2, "relu", seed=0)
>>> layer.forward(np.ones((4, 3), dtype=np.float32)).shape, sorted(layer.parameters())
((4, 2), ['W', 'b'])
"""

from .activation import ActivationLayer
from .base import Layer, chain_widths, copy_named, named
from .dense import Dense, dense_backward, dense_forward

__all__ = [
    "ActivationLayer",
    "Dense",
    "Layer",
    "chain_widths",
    "copy_named",
    "dense_backward",
    "dense_forward",
    "named",
]
