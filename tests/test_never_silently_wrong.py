"""Issue 14's list, item by item: each bad input or numerical failure raises an error of
the stated type whose message names the culprit and what was expected."""

import pickle

import numpy as np
import pytest

from mlplib import Dense, Sequential, data, losses, optim, training
from mlplib.autograd.engine import Value
from mlplib.errors import NonFiniteError, ShapeError
from mlplib.perceptron import Perceptron
from mlplib.perf.blocked import blocked_matmul
from mlplib.training import checkpoint, schedules

CE = "categorical_cross_entropy"


def problem(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    labels = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    model = Sequential.from_sizes(
        [4, 5, 3], ["relu", "softmax"], seed=seed, dtype=np.float64
    )
    return model, X, labels


# ---- cross-entropy targets: distributions or integer labels --------------------------
@pytest.mark.parametrize(
    "row, match",
    [
        (
            [0.0, 0.0, 0.0],
            r"targets T must be one-hot or probability rows summing to 1 .*row 1 sums "
            r"to 0\.0",
        ),
        ([0.5, 0.5, 0.5], r"targets T must be .* row 1 sums to 1\.5"),
        (
            [1.5, -0.5, 0.0],
            r"targets T must be probabilities in \[0, 1\], got values from -0\.5 to "
            r"1\.5",
        ),
    ],
)
def test_cross_entropy_targets_must_be_distributions(row, match):
    Z = np.zeros((2, 3))
    T = np.array([[1.0, 0.0, 0.0], row])
    cce = losses.CategoricalCrossEntropy()
    for method in (cce.value, cce.gradient):
        with pytest.raises(
            ValueError, match=r"loss categorical_cross_entropy: " + match
        ):
            method(Z, T)
    model, X, _ = problem()
    with pytest.raises(ValueError, match=match):
        training.fit(model, X[:2], T, CE, "sgd", progress=False)


def test_cross_entropy_accepts_integer_labels_and_smoothed_rows():
    Z = np.random.default_rng(0).normal(size=(3, 3))
    labels = np.array([2, 0, 1])
    cce = losses.CategoricalCrossEntropy()
    np.testing.assert_array_equal(
        cce.gradient(Z, labels), cce.gradient(Z, data.one_hot(labels, 3))
    )
    smooth = np.full((3, 3), 0.1) + 0.7 * data.one_hot(labels, 3, dtype=np.float64)
    assert np.isfinite(cce.value(Z, smooth))
    with pytest.raises(
        ValueError,
        match=r"labels must lie in 0\.\.2 for 3 classes, got values from 0 to 3",
    ):
        cce.value(Z, np.array([0, 3, 1]))


# ---- fit stops at the first non-finite loss, gradient or parameter -------------------
def test_diverging_fit_stops_naming_epoch_and_batch():
    model, X, labels = problem()
    opt = optim.SGD(model.parameters(), lr=1e200)
    smaller = r"try a learning rate smaller than lr=1e\+200"
    with (
        np.errstate(all="ignore"),
        pytest.raises(NonFiniteError, match=r"fit: epoch 1, batch \d+: .*" + smaller),
    ):
        training.fit(
            model, X * 1e3, labels, CE, opt, epochs=3, batch_size=8, progress=False
        )


def test_non_finite_parameter_before_training_is_named():
    model, X, labels = problem()
    model.layers[1].b[2] = np.inf
    with pytest.raises(
        NonFiniteError,
        match=r"fit: before training: parameter '1\.b' .* index \(2,\) \(inf\)",
    ):
        training.fit(model, X, labels, CE, "sgd", progress=False)


def test_non_finite_loss_names_epoch_and_batch(monkeypatch):
    model, X, labels = problem()
    calls, original = [], model.call_gradients

    def poisoned(loss, Xb, Tb):
        calls.append(1)
        E = original(loss, Xb, Tb)
        return np.nan if len(calls) == 3 else E

    monkeypatch.setattr(model, "call_gradients", poisoned)
    with pytest.raises(NonFiniteError, match=r"fit: epoch 1, batch 3: the loss is nan"):
        training.fit(model, X, labels, CE, "sgd", batch_size=8, progress=False)


def test_optimizer_rejects_non_finite_gradients_and_changes_nothing():
    w = np.ones(3)
    for opt in (
        optim.SGD({"w": w}, lr=0.1, momentum=0.9),
        optim.Adam({"w": w}),
        optim.GradientDescent({"w": w}),
    ):
        with pytest.raises(
            NonFiniteError,
            match=r"\.step: gradient 'w' of shape \(3,\) contains 1 NaN .* index "
            r"\(1,\)",
        ):
            opt.step({"w": np.array([0.0, np.nan, 0.0])})
        assert opt.t == 0
    np.testing.assert_array_equal(w, np.ones(3))


def test_gradients_that_overflow_only_in_the_quick_test_are_accepted():
    w = np.ones(2, dtype=np.float32)
    optim.GradientDescent({"w": w}, lr=0.0).step(
        {"w": np.full(2, 3e38, dtype=np.float32)}
    )


# ---- fit checks the optimizer, the schedule and a string optimizer up front ----------
def test_fit_rejects_an_optimizer_of_another_model():
    model, X, labels = problem()
    other, _, _ = problem(seed=1)
    with pytest.raises(
        ValueError,
        match=r"fit: the optimizer's parameter '0\.W' is not this model's array",
    ):
        training.fit(
            model, X, labels, CE, optim.SGD(other.parameters()), progress=False
        )
    with pytest.raises(
        ValueError,
        match=r"the optimizer's parameter names do not match: missing \['1\.W', "
        r"'1\.b'\]",
    ):
        training.fit(
            model,
            X,
            labels,
            CE,
            optim.SGD({"0.W": model.layers[0].W, "0.b": model.layers[0].b}),
            progress=False,
        )


def test_string_optimizer_is_built_on_the_model_like_keras():
    model, X, labels = problem()
    before = model.layers[0].W.copy()
    history = training.fit(model, X, labels, CE, "adam", epochs=2, progress=False)
    assert history.epochs == 2 and not np.array_equal(before, model.layers[0].W)
    model, X, labels = problem()
    with pytest.raises(
        ValueError, match=r"unknown optimizer 'adma'; expected one of \[.*'adam'.*\]"
    ):
        training.fit(model, X, labels, CE, "adma", progress=False)
    np.testing.assert_array_equal(
        model.layers[0].W, problem()[0].layers[0].W
    )  # nothing trained
    with pytest.raises(
        TypeError,
        match="fit: optimizer must be an mlplib.optim optimizer or a name .* got int",
    ):
        training.fit(model, X, labels, CE, 3, progress=False)


def test_schedule_of_another_optimizer_is_rejected():
    model, X, labels = problem()
    opt = optim.SGD(model.parameters())
    stray = schedules.StepDecay(optim.SGD(model.parameters()), step_size=1)
    with pytest.raises(
        ValueError,
        match="fit: the schedule changes the learning rate of another optimizer",
    ):
        training.fit(model, X, labels, CE, opt, schedule=stray, progress=False)


# ---- float dtypes only, one bool policy ----------------------------------------------
@pytest.mark.parametrize("dtype", [int, np.int32, bool, "U3"])
def test_integer_or_bool_dtypes_are_rejected(dtype):
    with pytest.raises(
        TypeError, match=r"Dense 'dense': dtype must be floating point .*got"
    ):
        Dense(3, 2, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be floating point"):
        Sequential.from_sizes([3, 2], "relu", dtype=dtype)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: Dense(True, 2), "n_in"),
        (lambda: Dense(2, False), "n_out"),
        (lambda: Perceptron(True), "n_in"),
        (lambda: data.minibatches(10, True), "batch_size"),
        (lambda: data.one_hot([0, 1], n_classes=True), "n_classes"),
        (lambda: blocked_matmul(np.ones((2, 2)), np.ones((2, 2)), True), "block_size"),
        (
            lambda: schedules.StepDecay(optim.SGD({"w": np.ones(1)}), step_size=True),
            "step_size",
        ),
        (
            lambda: schedules.ReduceLROnPlateau(
                optim.SGD({"w": np.ones(1)}), patience=False
            ),
            "patience",
        ),
        (lambda: optim.SGD({"w": np.ones(1)}, lr=True), "lr"),
        (lambda: training.fit(*problem(), CE, "sgd", epochs=True), "epochs"),
        (lambda: Value(True), "data"),
        (lambda: Value(2.0) * False, "data"),
        (
            lambda: training.predict(problem()[0], np.ones((2, 4)), batch_size=True),
            "batch_size",
        ),
    ],
)
def test_bool_is_never_a_number(make, name):
    with pytest.raises(
        TypeError,
        match=rf"{name}.* must be (an integer|a real number), got (True|False)",
    ):
        make()


# ---- accuracy labels in range --------------------------------------------------------
@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 3], r"0\.\.2 for 3 classes, got values from 0 to 3"),
        ([-1, 0], r"0\.\.2 for 3 classes, got values from -1 to 0"),
    ],
)
def test_accuracy_labels_must_be_in_range(labels, match):
    with pytest.raises(ValueError, match=r"accuracy: labels T must lie in " + match):
        training.accuracy(np.eye(3)[:2], np.array(labels))
    with pytest.raises(
        TypeError,
        match=r"accuracy: labels T must be integer class labels .* got dtype float64",
    ):
        training.accuracy(np.eye(3)[:2], np.array([0.0, 1.0]))


# ---- checkpoints: the file and the problem, never unpickling -------------------------
@pytest.fixture
def saved(tmp_path):
    model = Sequential.from_sizes([3, 4, 2], ["relu", "softmax"], seed=0)
    return model, checkpoint.save_weights(model, tmp_path / "w.npz")


def test_truncated_checkpoint_names_the_file(saved):
    model, path = saved
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"load_weights: '.*w\.npz' is not a readable mlplib checkpoint "
        r".*damaged, truncated",
    ):
        checkpoint.load_weights(model, path)


def test_damaged_checkpoint_names_the_file(saved):
    model, path = saved
    raw = bytearray(path.read_bytes())
    raw[200:240] = (
        b"\xff" * 40
    )  # inside the first array's data: its CRC no longer matches
    path.write_bytes(bytes(raw))
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"'.*w\.npz' is not a readable mlplib checkpoint",
    ):
        checkpoint.load_weights(model, path)


class Marker:
    """Unpickling this writes a file: the test sees whether loading ever unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_pickled_or_foreign_files_are_refused_without_unpickling(saved, tmp_path):
    model, _ = saved
    marker = tmp_path / "unpickled"
    foreign = tmp_path / "foreign.npz"
    foreign.write_bytes(pickle.dumps(Marker(marker)))
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"foreign\.npz' is not a readable mlplib checkpoint .*pickled",
    ):
        checkpoint.load_weights(model, foreign)
    objects = tmp_path / "objects.npz"
    np.savez(objects, **{"0.W": np.array([Marker(marker)], dtype=object)})
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"objects\.npz' is not a readable mlplib checkpoint .*[Oo]bject arrays",
    ):
        checkpoint.load_weights(model, objects)
    assert not marker.exists()
    single = tmp_path / "single.npz"
    with open(single, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"single\.npz' .*a single \.npy array, not named parameters",
    ):
        checkpoint.load_weights(model, single)


def test_checkpoint_of_another_model_or_dtype_names_the_keys(saved, tmp_path):
    model, path = saved
    other = tmp_path / "ints.npz"
    np.savez(
        other,
        **{k: np.zeros(v.shape, dtype=np.int64) for k, v in model.parameters().items()},
    )
    with pytest.raises(
        checkpoint.CheckpointError,
        match=r"ints\.npz'.*'0\.W' has dtype int64; expected floating point",
    ):
        checkpoint.load_weights(model, other)
    np.savez(other, weights=np.ones(3))
    with pytest.raises(
        ValueError,
        match=r"ints\.npz': parameter names in the file do not match: missing "
        r"\['0\.W'.*unexpected \['weights'\]",
    ):
        checkpoint.load_weights(model, other)


# ---- no message is raised as a KeyError (which prints it in quotes) ------------------
def test_name_mismatches_are_value_errors_not_key_errors():
    model, _, _ = problem()
    params = dict(model.parameters())
    params["2.W"] = params.pop("1.W")
    for call in (
        lambda: model.set_parameters(params),
        lambda: optim.SGD(model.parameters()).step(params),
    ):
        with pytest.raises(
            ValueError, match=r"missing \['1\.W'\], unexpected \['2\.W'\]"
        ) as info:
            call()
        assert not isinstance(info.value, KeyError)


def test_shape_errors_name_both_shapes():
    model, X, labels = problem()
    with pytest.raises(
        ShapeError, match=r"fit: X has 40 samples \(rows\) but T has 39"
    ):
        training.fit(model, X, labels[:39], CE, "sgd", progress=False)
