"""Bad input raises at once, and the message names the layer, the shapes and what was
expected."""

import numpy as np
import pytest

from mlplib import NonFiniteError, Sequential, ShapeError
from mlplib.layers import Dense


@pytest.fixture
def model():
    return Sequential.from_sizes(
        [2, 3, 2, 1], [None, "relu", "sigmoid"], seed=0, dtype=np.float64
    )


def test_wrong_number_of_features(model):
    with pytest.raises(ShapeError) as err:
        model.forward(np.ones((4, 3)))
    msg = str(err.value)
    assert "layer '0' (Dense 2 -> 3, identity)" in msg
    assert "has 3 features (columns) but 2 were expected" in msg
    assert "got shape (4, 3), expected (batch, 2)" in msg


def test_wrong_ndim_1d_suggests_reshape(model):
    with pytest.raises(
        ShapeError,
        match=r"model input, layer '0' \(Dense 2 -> 3, identity\): input X must be a "
        r"2-D "
        r"array of shape \(batch, features\), got 1-D array of shape \(2,\) "
        r"\(reshape a single sample x to x.reshape\(1, -1\)\)",
    ):
        model.forward(np.ones(2))


def test_wrong_ndim_3d_and_non_arrays(model):
    with pytest.raises(ShapeError, match=r"got 3-D array of shape \(2, 2, 2\)"):
        model.forward(np.ones((2, 2, 2)))
    with pytest.raises(ShapeError, match=r"input X must be a 2-D array .* got list"):
        model.forward([[1.0, 2.0]])


def test_layer_forward_checks_its_own_input():
    layer = Dense(3, 2, "tanh", name="hidden")
    with pytest.raises(
        ShapeError, match=r"layer 'hidden' \(Dense 3 -> 2, tanh\): input has 2 features"
    ):
        layer.forward(np.ones((5, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(model, bad):
    X = np.ones((3, 2))
    X[2, 1] = bad
    with pytest.raises(NonFiniteError) as err:
        model.forward(X)
    msg = str(err.value)
    assert msg.startswith(
        "model input, layer '0' (Dense 2 -> 3, identity): input X of shape (3, 2)"
    )
    assert (
        f"contains 1 NaN or infinite value(s), the first at index (2, 1) ({float(bad)})"
        in msg
    )


def test_layer_sizes_that_do_not_chain():
    with pytest.raises(ShapeError) as err:
        Sequential([Dense(2, 3), Dense(3, 2, "relu"), Dense(4, 1)])
    msg = str(err.value)
    assert "layer '1' (Dense 3 -> 2, relu) outputs 2 values" in msg
    assert "layer '2' (Dense 4 -> 1, identity), expects 4 inputs" in msg
    assert "W shapes (3, 2) and (4, 1) do not chain" in msg


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="needs at least one layer"):
        Sequential([])
    with pytest.raises(
        ValueError, match=r"need at least 2 sizes \(input and output\), got \[3\]"
    ):
        Sequential.from_sizes([3], "relu")
    with pytest.raises(
        ValueError, match=r"3 layers \(\[2, 3, 3, 1\]\) need 3 activations, got 2"
    ):
        Sequential.from_sizes([2, 3, 3, 1], ["relu", "relu"])
    with pytest.raises(ValueError, match=r"Dense 'dense': n_out must be >= 1, got 0"):
        Dense(2, 0)
    with pytest.raises(TypeError, match=r"n_in must be an integer, got 2.5"):
        Dense(2.5, 3)
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        Dense(2, 3, "relu6")


def test_initialiser_returning_wrong_shapes():
    def transposed(n_in, n_out, rng):
        return np.zeros((n_out, n_in)), np.zeros(n_out)

    with pytest.raises(
        ShapeError,
        match=r"initialiser .*transposed.* returned W of shape \(3, 2\), expected "
        r"\(2, 3\)",
    ):
        Dense(2, 3, init=transposed)


def test_set_parameters_bad_keys(model):
    params = {k: v.copy() for k, v in model.parameters().items()}
    del params["1.b"]
    params["3.W"] = np.ones((1, 1))
    with pytest.raises(
        ValueError,
        match=r"missing \['1.b'\], unexpected \['3.W'\]; expected exactly "
        r"\['0.W', '0.b', '1.W', '1.b', '2.W', '2.b'\]",
    ):
        model.set_parameters(params)


def test_set_parameters_bad_shape_names_layer_and_shapes(model):
    params = {k: v.copy() for k, v in model.parameters().items()}
    params["1.W"] = params["1.W"].T  # PyTorch layout by mistake
    before = model.parameters()["0.W"].copy()
    params["0.W"] = before + 1
    with pytest.raises(
        ShapeError,
        match=r"set_parameters: '1.W' has shape \(2, 3\) but layer '1' "
        r"\(Dense 3 -> 2, relu\) expects \(3, 2\)",
    ):
        model.set_parameters(params)
    np.testing.assert_array_equal(
        model.parameters()["0.W"], before
    )  # nothing was half-copied


def test_set_parameters_non_finite(model):
    params = {k: v.copy() for k, v in model.parameters().items()}
    params["2.b"] = np.array([np.nan])
    with pytest.raises(
        NonFiniteError,
        match=r"set_parameters, layer '2' \(Dense 2 -> 1, sigmoid\): 2.b of shape "
        r"\(1,\) contains 1 NaN",
    ):
        model.set_parameters(params)


def test_set_parameters_copies_in_place(model):
    W = model.parameters()["0.W"]
    new = {k: np.full(v.shape, 0.5) for k, v in model.parameters().items()}
    model.set_parameters(new)
    assert model.parameters()["0.W"] is W and np.all(W == 0.5)
    new["0.W"][0, 0] = 9.0  # the model holds a copy, not the caller's array
    assert W[0, 0] == 0.5


def test_backward_with_wrong_batch_names_the_layer(model):
    model.forward(np.ones((4, 2)))
    with pytest.raises(
        ShapeError,
        match=r"layer '2' \(Dense 2 -> 1, sigmoid\): gradient dE/dA has shape \(3, "
        r"1\) but "
        r"the layer's output A had shape \(4, 1\)",
    ):
        model.backward(dA=np.ones((3, 1)))
    with pytest.raises(
        ShapeError, match=r"gradient dE/dA has shape \(1, 1\)"
    ):  # would broadcast silently
        model.backward(dA=np.ones((1, 1)))
    with pytest.raises(
        ShapeError,
        match=r"layer '2' \(Dense 2 -> 1, sigmoid\): gradient dE/dZ has 3 rows but "
        r"the last "
        r"forward batch had 4",
    ):
        model.backward(dZ=np.ones((3, 1)))
