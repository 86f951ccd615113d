"""mlplib.training.checkpoint: the save_weights / load_weights round trip, errors."""

import numpy as np
import pytest

from mlplib import Sequential, optim, training
from mlplib.errors import ShapeError
from mlplib.training import checkpoint


def model(sizes=(6, 5, 3), seed=0, dtype=np.float32):
    return Sequential.from_sizes(
        list(sizes), ["relu", "softmax"], seed=seed, dtype=dtype
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_gives_identical_predictions(tmp_path, dtype):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, size=40)
    trained = model(dtype=dtype)
    training.fit(
        trained,
        X,
        y,
        "categorical_cross_entropy",
        optim.SGD(trained.parameters(), lr=0.1),
        epochs=2,
        batch_size=8,
        progress=False,
    )
    path = checkpoint.save_weights(trained, tmp_path / "w.npz")
    with np.load(path) as f:
        assert (
            sorted(f.files) == ["0.W", "0.b", "1.W", "1.b"] and f["0.W"].dtype == dtype
        )
    fresh = model(seed=1, dtype=dtype)
    params_before = fresh.parameters()
    checkpoint.load_weights(fresh, path)
    np.testing.assert_array_equal(
        training.predict(fresh, X), training.predict(trained, X)
    )
    for key, value in fresh.parameters().items():
        assert (
            value is params_before[key]
        )  # copied in place: an optimizer's references stay valid


def test_load_into_torch_state_dict(tmp_path):
    """The file's layout maps onto a PyTorch state_dict (weight = W.T)."""
    torch = pytest.importorskip("torch")
    from mlplib import interop

    m = model(dtype=np.float64)
    path = checkpoint.save_weights(m, tmp_path / "w.npz")
    net = interop.to_torch(model(seed=5, dtype=np.float64))
    with np.load(path) as f:
        net.load_state_dict(
            {
                "0.weight": torch.from_numpy(f["0.W"].T.copy()),
                "0.bias": torch.from_numpy(f["0.b"]),
                "2.weight": torch.from_numpy(f["1.W"].T.copy()),
                "2.bias": torch.from_numpy(f["1.b"]),
            }
        )
    X = np.random.default_rng(1).normal(size=(4, 6))
    np.testing.assert_allclose(
        net(torch.from_numpy(X)).detach().numpy(), m.forward(X), rtol=1e-12
    )


def test_shape_mismatch_names_key_and_shapes(tmp_path):
    path = checkpoint.save_weights(model(), tmp_path / "w.npz")
    with pytest.raises(
        ShapeError,
        match=r"w\.npz': '0\.W' has shape \(6, 5\) but layer '0' "
        r"\(Dense 6 -> 7, relu\) expects \(6, 7\)",
    ):
        checkpoint.load_weights(model((6, 7, 3)), path)


def test_missing_and_extra_keys(tmp_path):
    path = checkpoint.save_weights(model(), tmp_path / "w.npz")
    deeper = Sequential.from_sizes([6, 5, 3, 3], ["relu", "relu", "softmax"])
    with pytest.raises(
        ValueError,
        match=r"w\.npz'.*names .* missing \['2\.W', '2\.b'\], unexpected \[\]",
    ):
        checkpoint.load_weights(deeper, path)


def test_file_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.npz, got '.*w\.pt'"):
        checkpoint.save_weights(model(), tmp_path / "w.pt")
    with pytest.raises(FileNotFoundError, match="no such file"):
        checkpoint.load_weights(model(), tmp_path / "absent.npz")


def test_non_finite_weights_are_refused(tmp_path):
    m = model()
    m.layers[1].b[0] = np.nan
    path = checkpoint.save_weights(m, tmp_path / "w.npz")
    with pytest.raises(ValueError, match="1.b .* NaN"):
        checkpoint.load_weights(model(), path)
