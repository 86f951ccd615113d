"""mlplib.training: fit / evaluate / predict / accuracy, against a PyTorch loop, and on
MNIST (slow)."""

import numpy as np
import pytest

from mlplib import Sequential, data, interop, optim, training
from mlplib.datasets import load_digits, one_hot
from mlplib.errors import ShapeError
from mlplib.training import schedules

CE = "categorical_cross_entropy"


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:300] / 16.0, y[:300]


def small_model(dtype=np.float64, seed=0):
    return Sequential.from_sizes(
        [64, 12, 10], ["relu", "softmax"], seed=seed, dtype=dtype
    )


def test_fit_history_and_validation(digits):
    X, y = digits
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = training.fit(
        model,
        X[:200],
        y[:200],
        CE,
        opt,
        epochs=3,
        batch_size=16,
        validation_data=(X[200:], y[200:]),
        progress=False,
    )
    assert list(h) == ["loss", "accuracy", "val_loss", "val_accuracy"] and h.epochs == 3
    assert h.history is h and all(len(v) == 3 for v in h.values())
    assert h["loss"][-1] < h["loss"][0]
    # the validation numbers are evaluate() on the final weights
    final = training.evaluate(model, X[200:], y[200:], CE)
    assert final["loss"] == pytest.approx(h["val_loss"][-1], rel=1e-12)
    assert final["accuracy"] == h["val_accuracy"][-1]
    P = training.predict(model, X[200:], batch_size=7)
    assert (
        training.accuracy(P, y[200:])
        == final["accuracy"]
        == training.accuracy(P, one_hot(y[200:], 10))
    )
    assert "epoch" in repr(h)


def test_fit_matches_pytorch_loop(digits):
    """Two epochs of fit (SGD with momentum, float64) equal a hand-written PyTorch
    loop over the same batches."""
    torch = pytest.importorskip("torch")
    X, y = digits
    model = small_model()
    net = interop.to_torch(model)[
        :-1
    ]  # drop the Softmax module: CrossEntropyLoss takes logits
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    h = training.fit(
        model, X, y, CE, opt, epochs=2, batch_size=32, seed=3, progress=False
    )
    topt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    ce = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    losses = []
    for epoch in range(2):
        total = 0.0
        for idx in data.minibatches(len(X), 32, seed=[3, epoch]):
            topt.zero_grad()
            loss = ce(net(Xt[idx]), yt[idx])
            loss.backward()
            topt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    np.testing.assert_allclose(h["loss"], losses, rtol=1e-10)
    ours = interop.to_torch(model)
    for a, b in zip(ours.parameters(), net.parameters()):
        np.testing.assert_allclose(
            a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12
        )


def test_every_sample_once_per_epoch():
    """Each epoch's batches cover every sample exactly once, the last one partial, in
    a new order per epoch."""
    N, bs = 23, 5
    X = np.zeros((N, 3))
    X[:, 0] = np.arange(N)
    model = Sequential.from_sizes([3, 2], "identity", dtype=np.float64)
    seen, sizes = [], []
    original = model.call_gradients

    def recording(loss, Xb, Tb):
        seen.append(Xb[:, 0].astype(int).tolist())
        sizes.append(len(Xb))
        return original(loss, Xb, Tb)

    model.call_gradients = recording
    training.fit(
        model,
        X,
        np.zeros((N, 2)),
        "mse",
        optim.SGD(model.parameters(), lr=0.0),
        epochs=2,
        batch_size=bs,
        progress=False,
    )
    assert sizes == [5, 5, 5, 5, 3] * 2
    epoch1, epoch2 = sum(seen[:5], []), sum(seen[5:], [])
    assert sorted(epoch1) == sorted(epoch2) == list(range(N))
    assert epoch1 != epoch2 and epoch1 != list(range(N))


def test_fit_is_reproducible_and_float32(digits):
    X, y = digits
    runs = []
    for _ in range(2):
        model = small_model(np.float32)
        training.fit(
            model,
            X,
            y,
            CE,
            optim.SGD(model.parameters(), lr=0.1),
            epochs=1,
            batch_size=10,
            seed=7,
            progress=False,
        )
        runs.append(model.parameters())
        assert all(p.dtype == np.float32 for p in model.parameters().values())
    for key in runs[0]:
        np.testing.assert_array_equal(runs[0][key], runs[1][key])


def test_schedule_and_callback_stop(digits):
    X, y = digits
    model = small_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    seen = []
    h = training.fit(
        model,
        X,
        y,
        CE,
        opt,
        epochs=10,
        batch_size=50,
        progress=False,
        schedule=schedules.ExponentialDecay(opt, gamma=0.5),
        callbacks=[
            lambda epoch, logs: seen.append(epoch),
            lambda epoch, logs: epoch == 2,
        ],
    )
    assert h.epochs == 3 and seen == [0, 1, 2]
    assert opt.lr == pytest.approx(0.1 * 0.5**3)


def test_progress_bar_goes_to_stderr(digits, capsys, monkeypatch):
    X, y = digits
    model = small_model()
    training.fit(
        model,
        X,
        y,
        CE,
        optim.SGD(model.parameters(), lr=0.1),
        epochs=1,
        batch_size=100,
        progress=True,
    )
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "3/3" in err
    monkeypatch.setenv("MLPLIB_PROGRESS", "0")
    assert training.progress_default() is False
    training.fit(
        model, X, y, CE, optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=100
    )
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"X": np.zeros((5, 8, 8))},
            ShapeError,
            r"fit, layer '0' .*input X must be a 2-D array .* got 3-D array of shape "
            r"\(5, 8, 8\) \(flatten images",
        ),
        ({"T": np.zeros(4, dtype=int)}, ShapeError, "fit: X has 5 samples .* T has 4"),
        (
            {"T": np.full(5, 10)},
            ValueError,
            r"labels must lie in 0\.\.9 for 10 classes, got values from 10 to 10",
        ),
        (
            {"T": np.zeros((5, 3))},
            ShapeError,
            r"fit: output shape \(5, 10\) and target shape \(5, 3\) differ",
        ),
        ({"batch_size": 0}, ValueError, "fit: batch_size must be >= 1, got 0"),
        (
            {"batch_size": True},
            TypeError,
            "fit: batch_size must be an integer, got True",
        ),
        ({"epochs": -1}, ValueError, "fit: epochs must be >= 0, got -1"),
        (
            {"validation_data": np.zeros((2, 64))},
            TypeError,
            r"validation_data must be a pair \(X_val, T_val\)",
        ),
    ],
)
def test_fit_errors(kwargs, error, match):
    model = small_model()
    args = {
        "X": np.zeros((5, 64)),
        "T": np.zeros(5, dtype=int),
        "batch_size": 2,
        "epochs": 1,
    }
    args.update(kwargs)
    extra = (
        {"validation_data": args.pop("validation_data")}
        if "validation_data" in args
        else {}
    )
    with pytest.raises(error, match=match):
        training.fit(
            model,
            args["X"],
            args["T"],
            CE,
            optim.SGD(model.parameters()),
            epochs=args["epochs"],
            batch_size=args["batch_size"],
            progress=False,
            **extra,
        )


def test_fit_rejects_nan_inputs():
    model = small_model()
    X = np.zeros((4, 64))
    X[2, 3] = np.nan
    with pytest.raises(
        ValueError,
        match=r"fit, layer '0' .*: input X of shape \(4, 64\) contains 1 NaN",
    ):
        training.fit(
            model,
            X,
            np.zeros(4, dtype=int),
            CE,
            optim.SGD(model.parameters()),
            progress=False,
        )


def test_accuracy_binary_and_errors():
    Y = np.array([[0.2], [0.7], [0.9]])
    assert training.accuracy(Y, np.array([[0.0], [1.0], [0.0]])) == pytest.approx(2 / 3)
    with pytest.raises(
        ShapeError,
        match=r"accuracy: output shape \(3, 1\) and target shape \(2, 1\) differ",
    ):
        training.accuracy(Y, np.zeros((2, 1)))
    with pytest.raises(
        ShapeError, match=r"accuracy: Y \(the model output\) must be a 2-D array"
    ):
        training.accuracy(np.zeros(3), np.zeros(3))


# The MNIST accuracy targets (three-seed means) are in tests/test_mnist_accuracy.py.


def test_compute_gradients_skips_only_the_input_gradient(digits):
    """fit's step does not compute dE/dX of the input (input_grad=False); the
    parameter gradients are unchanged."""
    X, y = digits
    T = one_hot(y, 10, dtype=np.float64)
    model = small_model()
    from mlplib import losses

    loss = losses.get(CE)
    model.compute_gradients(loss, X[:20], T[:20])
    fast = {k: v.copy() for k, v in model.gradients().items()}
    model.forward(X[:20])
    dX = model.backward(dZ=loss.gradient(model.layers[-1].Z, T[:20]))
    assert dX.shape == (20, 64)  # backward still returns dE/dX by default
    for key, value in model.gradients().items():
        np.testing.assert_array_equal(fast[key], value)
    assert (
        model.backward(dZ=loss.gradient(model.layers[-1].Z, T[:20]), input_grad=False)
        is None
    )
