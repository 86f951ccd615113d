"""mlplib: the neural-network library built, chapter by chapter, in *Neural Networks
from Scratch*.

Plain NumPy (or any array library with the array API standard), written to be read:
names follow the book's symbols (``W``, ``b``, ``Z``, ``A``, ``dW``) and each module is
one concept. Each equation is a public, named function (or an optimizer's
``update_step``); checks happen at the public boundary (a class's public method,
``fit``), which then calls the unchecked ``call...`` methods.

The package map, by the chapter that introduces it:

=================================  =====================================================
chapter                            modules
=================================  =====================================================
01 perceptron                      :mod:`~mlplib.perceptron`, :mod:`~mlplib.activations`
02 mlp_forward                     :mod:`~mlplib.layers` (the layer protocol,
                                   :class:`Dense`), :mod:`~mlplib.model`
                                   (:class:`Sequential`), :mod:`~mlplib.init`
03 backpropagation                 :mod:`~mlplib.losses`, :mod:`~mlplib.autograd`
                                   (engine, graph drawing, gradient checking)
04 optimizers                      :mod:`~mlplib.optim` (one optimizer per module),
                                   :mod:`~mlplib.data` (mini-batches),
                                   :mod:`~mlplib.training.schedules`
05 mnist                           :mod:`~mlplib.training` (loop, history, progress,
                                   metrics, callbacks, checkpoint),
                                   :mod:`~mlplib.datasets`, :mod:`~mlplib.interop`
06 deep_training                   :mod:`~mlplib.dropout`, :mod:`~mlplib.batchnorm`,
                                   :class:`~mlplib.training.EarlyStopping`
07 blas_gpu                        :mod:`~mlplib.perf` (flops, blocked, hardware,
                                   measure, timing), :mod:`~mlplib.backend`
08 data_parallel                   :mod:`~mlplib.distributed` (shards, all-reduce,
                                   cost model, collectives, training, processes)
every chapter                      :mod:`~mlplib.errors` (the checks and their messages)
=================================  =====================================================
"""

from . import activations, init, losses
from .activations import Activation
from .activations import get as get_activation
from .batchnorm import BatchNorm
from .dropout import Dropout
from .errors import NonFiniteError, ShapeError
from .layers import Dense
from .model import Sequential

__version__ = "0.1.0"
__all__ = [
    "Activation",
    "BatchNorm",
    "Dense",
    "Dropout",
    "NonFiniteError",
    "Sequential",
    "ShapeError",
    "activations",
    "get_activation",
    "init",
    "losses",
]
