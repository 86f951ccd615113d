"""Copy weights between mlplib and PyTorch / Keras, so all three compute on the same
numbers.

Layouts: mlplib and Keras store ``W`` as ``(n_in, n_out)`` and compute ``X @ W + b``;
PyTorch's ``nn.Linear.weight`` is ``(n_out, n_in)`` and computes
``X @ weight.T + bias``. So ``torch weight = W.T`` and ``Keras kernel = W``. Copies are
exact (no rounding) when the dtypes match.

To compare a float64 Keras model with mlplib, call it (``kmodel(X)``):
``kmodel.predict(X)`` first casts ``X`` to ``keras.config.floatx()``, float32 by
default.

torch and keras are imported only when these functions are called. Import TensorFlow
with ``TF_CPP_MIN_LOG_LEVEL=3`` set (see CONTRIBUTING.md).
"""

import importlib

import numpy as np

from .batchnorm import batchnorm_from_keras as batchnorm_from_keras
from .batchnorm import batchnorm_from_torch as batchnorm_from_torch
from .batchnorm import batchnorm_to_keras as batchnorm_to_keras
from .batchnorm import batchnorm_to_torch as batchnorm_to_torch
from .dropout import dropout_from_framework as dropout_from_framework
from .dropout import dropout_to_keras as dropout_to_keras
from .dropout import dropout_to_torch as dropout_to_torch
from .errors import ShapeError


def framework(name):
    """The module ``name`` (``"torch"``, ``"keras"``), or an ImportError that says how
    to install it: the frameworks are an optional extra of mlplib."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(
            f"mlplib.interop needs {name}, which is not installed: pip install "
            f"'mlplib[frameworks]' (or pip install {name}); {err}"
        ) from None


# ---- PyTorch -------------------------------------------------------------------------
def _torch_linears(net):
    nn = framework("torch").nn

    return [m for m in net.modules() if isinstance(m, nn.Linear)]


def _check_counts(model, shapes, framework):
    """Require one framework dense layer per mlplib layer; ``shapes`` lists their
    ``(n_in, n_out)``."""
    if len(shapes) != len(model.layers):
        theirs = ", ".join(f"{i} -> {o}" for i, o in shapes) or "none"
        ours = ", ".join(f"{layer.n_in} -> {layer.n_out}" for layer in model.layers)
        raise ShapeError(
            f"{framework} model has {len(shapes)} dense layers ({theirs}) but the "
            "mlplib model has "
            f"{len(model.layers)} ({ours}); they must correspond one to one"
        )


def _torch_shapes(linears):
    return [(lin.in_features, lin.out_features) for lin in linears]


def _require_torch_bias(layer, lin):
    if lin.bias is None:
        raise ValueError(
            f"{layer.describe()}: the PyTorch Linear has no bias (bias=False); mlplib "
            "layers always have one"
        )


def copy_to_torch(model, net):
    """Write mlplib's parameters into the ``nn.Linear`` layers of ``net``
    (``weight = W.T``)."""
    torch = framework("torch")

    linears = _torch_linears(net)
    _check_counts(model, _torch_shapes(linears), "PyTorch")
    with torch.no_grad():
        for layer, lin in zip(model.layers, linears):
            if tuple(lin.weight.shape) != (layer.n_out, layer.n_in):
                raise ShapeError(
                    f"{layer.describe()}: PyTorch Linear weight is "
                    f"{tuple(lin.weight.shape)}, "
                    f"expected (n_out, n_in) = {(layer.n_out, layer.n_in)}"
                )
            _require_torch_bias(layer, lin)
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.T)))
            lin.bias.copy_(torch.from_numpy(layer.b))


def copy_from_torch(model, net):
    """Read the ``nn.Linear`` parameters of ``net`` into mlplib (``W = weight.T``)."""
    linears = _torch_linears(net)
    _check_counts(model, _torch_shapes(linears), "PyTorch")
    params = {}
    for layer, lin in zip(model.layers, linears):
        _require_torch_bias(layer, lin)
        params[f"{layer.name}.W"] = lin.weight.detach().cpu().numpy().T
        params[f"{layer.name}.b"] = lin.bias.detach().cpu().numpy()
    model.set_parameters(params)


def _torch_activation(activation):
    nn = framework("torch").nn

    name = activation.name
    if name == "identity":
        return None
    if name == "leaky_relu":
        return nn.LeakyReLU(activation.alpha)
    table = {
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "softmax": lambda: nn.Softmax(dim=1),
    }
    if name not in table:
        raise ValueError(f"activation {name!r} has no PyTorch module equivalent")
    return table[name]()


def to_torch(model):
    """Build an ``nn.Sequential`` of ``Linear`` (+ activation) modules with mlplib's
    weights and dtype."""
    torch = framework("torch")
    nn = framework("torch").nn

    modules = []
    dtype = {np.dtype("float32"): torch.float32, np.dtype("float64"): torch.float64}[
        np.dtype(model.dtype)
    ]
    for layer in model.layers:
        modules.append(nn.Linear(layer.n_in, layer.n_out, dtype=dtype))
        act = _torch_activation(layer.activation)
        if act is not None:
            modules.append(act)
    net = nn.Sequential(*modules)
    copy_to_torch(model, net)
    return net


# ---- Keras ---------------------------------------------------------------------------
def _keras_denses(kmodel):
    keras = framework("keras")

    return [layer for layer in kmodel.layers if isinstance(layer, keras.layers.Dense)]


def _keras_weights(layer, dense):
    """``(kernel, bias)`` of a Keras ``Dense`` layer, which must be built and have a
    bias."""
    weights = dense.get_weights()
    if len(weights) != 2:
        raise ValueError(
            f"{layer.describe()}: Keras Dense {dense.name!r} has {len(weights)} "
            "weight arrays, expected kernel and bias "
            "(build the model, e.g. with keras.Input, and keep use_bias=True)"
        )
    return weights


def _keras_shapes(denses):
    return [(d.kernel.shape[0] if d.built else "?", d.units) for d in denses]


def copy_to_keras(model, kmodel):
    """Write mlplib's parameters into the ``Dense`` layers of a Keras model (``kernel
    = W``)."""
    denses = _keras_denses(kmodel)
    _check_counts(model, _keras_shapes(denses), "Keras")
    for layer, dense in zip(model.layers, denses):
        kernel, bias = _keras_weights(layer, dense)
        if kernel.shape != layer.W.shape:
            raise ShapeError(
                f"{layer.describe()}: Keras kernel is {kernel.shape}, expected "
                f"{layer.W.shape}"
            )
        dense.set_weights(
            [np.asarray(layer.W, kernel.dtype), np.asarray(layer.b, bias.dtype)]
        )


def copy_from_keras(model, kmodel):
    """Read the ``Dense`` kernels and biases of a Keras model into mlplib."""
    denses = _keras_denses(kmodel)
    _check_counts(model, _keras_shapes(denses), "Keras")
    params = {}
    for layer, dense in zip(model.layers, denses):
        kernel, bias = _keras_weights(layer, dense)
        params[f"{layer.name}.W"], params[f"{layer.name}.b"] = kernel, bias
    model.set_parameters(params)


def _keras_leaky_relu(alpha):
    """``z if z > 0 else alpha * z`` in the tensor's own dtype.

    Keras's ``LeakyReLU`` layer goes through ``tf.nn.leaky_relu``, whose ``alpha`` is a
    float32 attribute: in a float64 model 0.01 becomes 0.009999999776, a relative error
    of 2e-8.
    """
    keras = framework("keras")

    def leaky_relu(Z):
        return keras.ops.where(Z > 0, Z, Z * alpha)

    return leaky_relu


def to_keras(model):
    """Build a Keras ``Sequential`` of ``Dense`` layers with mlplib's weights and
    dtype."""
    keras = framework("keras")

    dtype = np.dtype(model.dtype).name
    layers = [keras.Input(shape=(model.layers[0].n_in,), dtype=dtype)]
    for layer in model.layers:
        name = layer.activation.name
        if name == "leaky_relu":
            layers.append(keras.layers.Dense(layer.n_out, dtype=dtype))
            layers.append(
                keras.layers.Activation(
                    _keras_leaky_relu(layer.activation.alpha), dtype=dtype
                )
            )
        elif name in ("identity", "sigmoid", "tanh", "relu", "softmax"):
            layers.append(
                keras.layers.Dense(
                    layer.n_out,
                    activation="linear" if name == "identity" else name,
                    dtype=dtype,
                )
            )
        else:
            raise ValueError(f"activation {name!r} has no Keras equivalent")
    kmodel = keras.Sequential(layers)
    copy_to_keras(model, kmodel)
    return kmodel
