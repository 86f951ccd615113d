"""Which array library an array belongs to.

mlplib is written against the array API standard: every function asks its
inputs for their namespace ``xp`` and calls ``xp.exp``, ``xp.sum``, ... on it.
For NumPy arrays that namespace is NumPy itself (NumPy 2 implements the
standard); for anything else (PyTorch tensors, CuPy arrays, array-api-strict)
`array-api-compat <https://data-apis.org/array-api-compat/>`_ supplies it.
That is what lets Chapter 6 run the same MLP on a GPU.
"""
import numpy as np


def namespace(*arrays):
    """Return the array namespace ``xp`` shared by ``arrays`` (NumPy when they are NumPy arrays)."""
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np
    from array_api_compat import array_namespace

    return array_namespace(*arrays)
