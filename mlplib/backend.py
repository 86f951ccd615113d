"""Which array library an array belongs to.

mlplib is written against the array API standard: every function asks its inputs for
their namespace ``xp`` and calls ``xp.exp``, ``xp.sum``, ... on it. For NumPy arrays
that namespace is NumPy itself (NumPy 2 implements the standard); for anything else
(PyTorch tensors, CuPy arrays, array-api-strict)
`array-api-compat <https://data-apis.org/array-api-compat/>`_ supplies it. That is what
lets Chapter 7 run the same MLP on a GPU.
"""

import numpy as np


def namespace(*arrays):
    """The array namespace ``xp`` shared by ``arrays``: NumPy for NumPy arrays.

    Printed in chapters/07_blas_gpu.
    """
    for a in arrays:  # a plain loop: this runs for every array operation
        if not isinstance(a, np.ndarray):
            break
    else:
        return np
    from array_api_compat import array_namespace

    return array_namespace(*arrays)


def to_numpy(A):
    """Return a NumPy copy (or view) of the array ``A`` from any namespace, moving it
    off a GPU first."""
    if isinstance(A, np.ndarray):
        return A
    from array_api_compat import is_cupy_array, is_torch_array

    if is_torch_array(A):
        return A.detach().cpu().numpy()
    if is_cupy_array(A):
        return A.get()
    return np.from_dlpack(
        A
    )  # array-api-strict and other CPU libraries that speak DLPack


def to_namespace(model, xp, device=None):
    """Move every parameter and buffer of ``model`` into the namespace ``xp``.

    ``xp`` is an array library module (``numpy``, ``torch``, ``cupy``,
    ``array_api_strict``, or an ``array_api_compat`` wrapper); ``device`` is passed to
    ``xp.asarray`` (``"cuda"`` for PyTorch on a GPU). The dtype is kept. The gradients
    and the last output are cleared, since they live in the old namespace. The arrays
    are copies, so the model never shares memory with arrays it had before. Afterwards
    feed the model inputs from ``xp``: the layers then compute with ``xp`` because
    ``namespace(X)`` finds it. Returns ``model``.

    An optimizer holds references to the old arrays: build it after moving the model.
    """
    if not hasattr(xp, "asarray"):
        raise TypeError(
            "to_namespace: xp must be an array namespace module such as numpy or "
            f"torch, got {xp!r}"
        )
    kwargs = {} if device is None else {"device": device}
    target = namespace(xp.asarray(0.0, **kwargs))
    for layer in model.layers:
        for p in (*layer.param_names, *layer.buffer_names):
            value = getattr(layer, p)
            if not isinstance(value, np.ndarray) and namespace(value) is not target:
                value = to_numpy(value)  # hop between libraries through host memory
            setattr(layer, p, xp.asarray(value, copy=True, **kwargs))  # never alias
        for p in layer.param_names:
            setattr(layer, "d" + p, None)  # no gradients of the old arrays
        layer.A = None
    return model
