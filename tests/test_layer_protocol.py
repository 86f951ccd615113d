"""The layer protocol of :mod:`mlplib.layers`: a layer without parameters chains into a
Sequential, and fit, evaluate and predict set the training mode each layer reads."""

import numpy as np
import pytest

from mlplib import Dense, Sequential, training
from mlplib.errors import ShapeError
from mlplib.layers import Layer


class Scale(Layer):
    """``A = c X``, parameter-free, recording the mode of every call."""

    def __init__(self, c):
        self.c, self.modes = c, []

    def call(self, X):
        self.modes.append(self.training)
        self.A = self.c * X
        return self.A

    def call_backward(self, dA, input_grad=True):
        return self.c * dA


def model_with_scale(c=2.0):
    scale = Scale(c)
    model = Sequential(
        [Dense(3, 4, "tanh", seed=0, dtype=np.float64), scale,
         Dense(4, 2, "softmax", seed=1, dtype=np.float64)]
    )  # fmt: skip
    return model, scale


def test_parameter_free_layer_keeps_names_and_widths():
    model, _ = model_with_scale()
    assert sorted(model.parameters()) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.widths == [3, 4, 4, 2]
    assert model.n_params == 3 * 4 + 4 + 4 * 2 + 2
    assert "1: Scale" in model.summary()


def test_parameter_free_layer_backpropagates_through_its_rule():
    """dE/dW of the first layer with c equals 2 * that with c = 1 and the second
    layer's W halved: A = c tanh(X W + b) enters the next layer as (c W2)."""
    X, labels = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    model, _ = model_with_scale(2.0)
    twin, _ = model_with_scale(1.0)
    twin.set_parameters({**model.parameters(), "2.W": 2.0 * model.parameters()["2.W"]})
    E = model.compute_gradients("categorical_cross_entropy", X, labels)
    E_twin = twin.compute_gradients("categorical_cross_entropy", X, labels)
    assert E == pytest.approx(E_twin, rel=1e-12)
    np.testing.assert_allclose(model.gradients()["0.W"], twin.gradients()["0.W"])


def test_fit_trains_in_training_mode_and_validates_in_evaluation_mode():
    X, labels = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2
    model, scale = model_with_scale()
    model.eval()
    training.fit(model, X, labels, "categorical_cross_entropy", "sgd", epochs=1,
              batch_size=4, validation_data=(X, labels), progress=False)  # fmt: skip
    assert scale.modes == [True, True, False]  # two steps, then one validation pass
    assert model.training is False and scale.training is False  # restored


def test_evaluate_and_predict_run_in_evaluation_mode_and_restore_it():
    X, labels = np.ones((3, 3)), np.array([0, 1, 0])
    model, scale = model_with_scale()
    assert model.training and scale.training
    training.evaluate(model, X, labels, "categorical_cross_entropy")
    training.predict(model, X)
    assert scale.modes == [False, False]
    assert model.training and scale.training


def test_last_layer_must_be_dense_and_widths_must_chain():
    with pytest.raises(TypeError, match="the last layer must be a Dense"):
        Sequential([Dense(3, 4), Scale(1.0)])
    with pytest.raises(ShapeError, match="outputs 4 values but the next.*expects 5"):
        Sequential([Dense(3, 4), Scale(1.0), Dense(5, 2)])


class Shift(Layer):
    """``A = X - mu`` with a buffer ``mu`` (no gradient), as wide as ``X``."""

    buffer_names = ("mu",)

    def __init__(self, n):
        self.n_in = self.n_out = n
        self.mu = np.zeros(n)

    def call(self, X):
        self.A = X - self.mu
        return self.A

    def call_backward(self, dA, input_grad=True):
        return dA


def test_buffers_are_named_saved_and_loaded_beside_the_parameters(tmp_path):
    from mlplib.training import checkpoint

    model = Sequential([Dense(3, 4, seed=0), Shift(4), Dense(4, 2, seed=1)])
    assert list(model.buffers()) == ["1.mu"] and "1.mu" not in model.parameters()
    model.layers[1].mu[...] = [1.0, 2.0, 3.0, 4.0]
    path = checkpoint.save_weights(model, tmp_path / "w.npz")
    other = Sequential([Dense(3, 4, seed=5), Shift(4), Dense(4, 2, seed=6)])
    checkpoint.load_weights(other, path)
    np.testing.assert_array_equal(other.layers[1].mu, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(other.layers[0].W, model.layers[0].W)


def test_activation_layer_is_the_activation_and_its_derivative():
    from mlplib.layers import ActivationLayer

    X = np.array([[-1.0, 0.5, 2.0]])
    f64 = {"dtype": np.float64}
    first, last = Dense(3, 3, "identity", seed=0, **f64), Dense(3, 2, seed=1, **f64)
    model = Sequential([first, ActivationLayer("tanh"), last])
    twin = Sequential([Dense(3, 3, "tanh", seed=0, **f64), Dense(3, 2, seed=1, **f64)])
    np.testing.assert_allclose(model.forward(X), twin.forward(X), rtol=1e-15)
    model.backward(dA=np.ones((1, 2)))
    twin.backward(dA=np.ones((1, 2)))
    np.testing.assert_allclose(model.gradients()["0.W"], twin.gradients()["0.W"])
    assert "1: Activation (tanh)" in model.summary()
