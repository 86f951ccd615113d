"""Weights copied between mlplib, PyTorch and Keras: exact round trips, layouts,
parameter counts."""

import keras
import numpy as np
import pytest
import torch

from mlplib import Sequential, ShapeError, interop

SIZES = [4, 6, 5, 3]
ACTS = ["relu", "tanh", "softmax"]


def model64(seed=0, init="glorot_uniform"):
    return Sequential.from_sizes(SIZES, ACTS, init=init, seed=seed, dtype=np.float64)


def assert_same_parameters(a, b):
    pa, pb = a.parameters(), b.parameters()
    assert pa.keys() == pb.keys()
    for key in pa:
        assert pa[key].dtype == pb[key].dtype
        np.testing.assert_array_equal(pa[key], pb[key])  # bit for bit


def test_torch_layout_is_the_transpose():
    model = model64(init="torch_uniform")
    net = interop.to_torch(model)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, lin in zip(model.layers, linears):
        assert tuple(lin.weight.shape) == (layer.n_out, layer.n_in)
        assert lin.weight.dtype == torch.float64
        np.testing.assert_array_equal(lin.weight.detach().numpy(), layer.W.T)
        np.testing.assert_array_equal(lin.bias.detach().numpy(), layer.b)


def test_keras_layout_is_the_same():
    model = model64(seed=3)
    kmodel = interop.to_keras(model)
    for layer, dense in zip(model.layers, kmodel.layers):
        kernel, bias = dense.get_weights()
        assert kernel.dtype == np.float64
        np.testing.assert_array_equal(kernel, layer.W)
        np.testing.assert_array_equal(bias, layer.b)


def test_round_trip_through_torch_is_exact():
    original, copy = model64(seed=1), model64(seed=2)
    net = interop.to_torch(original)
    interop.copy_from_torch(copy, net)
    assert_same_parameters(original, copy)
    # and back again, into a PyTorch net built independently
    torch.manual_seed(0)
    net2 = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.ReLU(),
        torch.nn.Linear(6, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 3),
    ).double()
    interop.copy_to_torch(copy, net2)
    third = model64(seed=9)
    interop.copy_from_torch(third, net2)
    assert_same_parameters(original, third)


def test_round_trip_from_torch_is_exact():
    """PyTorch's own initial weights -> mlplib -> a new PyTorch net: state_dicts
    equal bit for bit."""
    torch.manual_seed(5)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.ReLU(),
        torch.nn.Linear(6, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 3),
        torch.nn.Softmax(dim=1),
    ).double()
    model = model64()
    interop.copy_from_torch(model, net)
    net2 = interop.to_torch(model)
    sd, sd2 = net.state_dict(), net2.state_dict()
    assert sd.keys() == sd2.keys()
    for key in sd:
        assert torch.equal(sd[key], sd2[key]), key
    X = torch.from_numpy(np.random.default_rng(0).normal(size=(7, 4)))
    np.testing.assert_allclose(
        model.forward(X.numpy()), net(X).detach().numpy(), rtol=1e-12, atol=1e-15
    )


def test_round_trip_through_keras_is_exact():
    original, copy = model64(seed=4), model64(seed=5)
    kmodel = interop.to_keras(original)
    interop.copy_from_keras(copy, kmodel)
    assert_same_parameters(original, copy)


def test_round_trip_from_keras_is_exact():
    """Keras's own initial weights -> mlplib -> a new Keras model: weights equal bit
    for bit."""
    keras.utils.set_random_seed(0)
    kmodel = keras.Sequential(
        [keras.Input(shape=(4,), dtype="float64")]
        + [
            keras.layers.Dense(
                n, activation=a, bias_initializer="random_normal", dtype="float64"
            )
            for n, a in zip(SIZES[1:], ACTS)
        ]
    )
    model = model64()
    interop.copy_from_keras(model, kmodel)
    kmodel2 = interop.to_keras(model)
    for w, w2 in zip(kmodel.get_weights(), kmodel2.get_weights()):
        np.testing.assert_array_equal(w, w2)
    assert np.abs(kmodel.get_weights()[1]).max() > 0  # the biases really were non-zero
    X = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_allclose(
        model.forward(X), np.asarray(kmodel(X)), rtol=1e-12, atol=1e-15
    )


def test_float32_copies_are_exact_too():
    model = Sequential.from_sizes(SIZES, ACTS, seed=0)  # float32
    back = Sequential.from_sizes(SIZES, ACTS, seed=1)
    interop.copy_from_torch(back, interop.to_torch(model))
    assert_same_parameters(model, back)
    back = Sequential.from_sizes(SIZES, ACTS, seed=2)
    interop.copy_from_keras(back, interop.to_keras(model))
    assert_same_parameters(model, back)


@pytest.mark.parametrize(
    "sizes", [[784, 16, 16, 10], [2, 3, 2, 1], [5, 1], [3, 64, 64, 64, 2]]
)
def test_parameter_counts_equal_pytorch_and_keras(sizes):
    acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
    model = Sequential.from_sizes(sizes, acts, seed=0)
    expected = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    assert model.n_params == expected
    assert model.n_params == sum(
        p.numel() for p in interop.to_torch(model).parameters()
    )
    assert model.n_params == interop.to_keras(model).count_params()
    summary = model.summary()
    assert summary.splitlines()[-1] == f"Total params: {expected:,}"
    for layer, line in zip(model.layers, summary.splitlines()[2:]):
        assert line.endswith(f"{layer.n_params:,}") and f"(None, {layer.n_out})" in line


def test_summary_of_the_chapter_2_mnist_network():
    model = Sequential.from_sizes(
        [784, 16, 16, 10], ["relu", "relu", "softmax"], seed=0
    )
    lines = model.summary().splitlines()
    assert lines[0].split() == [
        "Layer",
        "(activation)",
        "Output",
        "shape",
        "Param",
        "#",
    ]
    assert [line.split()[-1] for line in lines[2:5]] == ["12,560", "272", "170"]
    assert lines[-1] == "Total params: 13,002"


def test_layer_count_mismatch_names_both_models():
    model = model64()
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)
    ).double()
    for fn in (interop.copy_to_torch, interop.copy_from_torch):
        with pytest.raises(
            ShapeError,
            match=r"PyTorch model has 2 dense layers \(4 -> 6, 6 -> 3\) but the mlplib "
            r"model has 3 \(4 -> 6, 6 -> 5, 5 -> 3\)",
        ):
            fn(model, net)
    kmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    for fn in (interop.copy_to_keras, interop.copy_from_keras):
        with pytest.raises(
            ShapeError,
            match=r"Keras model has 1 dense layers \(4 -> 3\) but the mlplib model "
            r"has 3",
        ):
            fn(model, kmodel)


def test_layer_shape_mismatch_names_the_layer_and_shapes():
    model = model64()
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.Linear(6, 4), torch.nn.Linear(4, 3)
    ).double()
    with pytest.raises(
        ShapeError,
        match=r"layer '1' \(Dense 6 -> 5, tanh\): PyTorch Linear weight is \(4, 6\), "
        r"expected \(n_out, n_in\) = \(5, 6\)",
    ):
        interop.copy_to_torch(model, net)
    with pytest.raises(
        ShapeError,
        match=r"set_parameters: '1.W' has shape \(6, 4\) but layer '1' "
        r"\(Dense 6 -> 5, tanh\) expects \(6, 5\)",
    ):
        interop.copy_from_torch(model, net)
    kmodel = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(6),
            keras.layers.Dense(4),
            keras.layers.Dense(3),
        ]
    )
    with pytest.raises(
        ShapeError,
        match=r"layer '1' \(Dense 6 -> 5, tanh\): Keras kernel is \(6, 4\), expected "
        r"\(6, 5\)",
    ):
        interop.copy_to_keras(model, kmodel)


def test_layers_without_bias_are_refused():
    model = Sequential.from_sizes([2, 3], "relu", dtype=np.float64)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)).double()
    with pytest.raises(
        ValueError,
        match=r"layer '0' \(Dense 2 -> 3, relu\): the PyTorch Linear has no bias",
    ):
        interop.copy_to_torch(model, net)
    kmodel = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(3, use_bias=False)]
    )
    with pytest.raises(
        ValueError,
        match=r"Keras Dense '.*' has 1 weight arrays, expected kernel and bias",
    ):
        interop.copy_from_keras(model, kmodel)


def test_activations_without_framework_equivalent_are_refused():
    model = Sequential.from_sizes([2, 2], "hardlim")
    with pytest.raises(
        ValueError, match="activation 'hardlim' has no PyTorch module equivalent"
    ):
        interop.to_torch(model)
    with pytest.raises(
        ValueError, match="activation 'hardlim' has no Keras equivalent"
    ):
        interop.to_keras(model)


def test_keras_leaky_relu_is_exact_in_float64():
    """Keras's LeakyReLU layer would round alpha to float32; to_keras computes it in
    float64."""
    from mlplib.activations import LeakyReLU

    model = Sequential.from_sizes(
        [3, 4, 2], [LeakyReLU(0.01), "identity"], dtype=np.float64, seed=0
    )
    X = -np.abs(np.random.default_rng(0).normal(size=(6, 3)))
    np.testing.assert_allclose(
        np.asarray(interop.to_keras(model)(X)), model.forward(X), rtol=1e-14, atol=1e-16
    )


def test_keras_predict_rounds_float64_inputs_to_float32_but_calling_does_not():
    """The trap shown in Chapter 2: ``predict`` casts inputs to
    ``keras.config.floatx()`` (float32)."""
    model = Sequential.from_sizes([4, 3], None, seed=0, dtype=np.float64)
    kmodel = interop.to_keras(model)
    X = np.array([[0.1, 0.2, 0.3, 0.4]])
    assert keras.config.floatx() == "float32"
    np.testing.assert_allclose(
        np.asarray(kmodel(X)), model.forward(X), rtol=1e-15, atol=1e-16
    )
    rounded = model.forward(X.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(
        kmodel.predict(X, verbose=0), rounded, rtol=1e-15, atol=1e-16
    )
    assert np.abs(kmodel.predict(X, verbose=0) - model.forward(X)).max() > 1e-10


def test_a_missing_framework_names_the_package_and_the_extra(monkeypatch):
    import importlib

    from mlplib import interop

    def missing(name):
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(ImportError, match=r"needs torch.*mlplib\[frameworks\]"):
        interop.framework("torch")
