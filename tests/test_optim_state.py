"""mlplib.optim's state: built once from the parameters, or started from a stated one.

An optimizer started from the state and step count of another run takes exactly the
steps that run takes next; the given arrays are copied, and wrong names, keys or shapes
raise naming them.
"""

import numpy as np
import pytest

from mlplib import optim

STEPS = [np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.2]), np.array([1.0, 0, 1])]

MAKERS = {
    "sgd-velocity": lambda p, **k: optim.SGD(p, lr=0.1, momentum=0.9, **k),
    "sgd-buffer": lambda p, **k: optim.SGD(
        p, lr=0.1, momentum=0.9, nesterov=True, momentum_form="buffer", **k
    ),
    "adagrad": lambda p, **k: optim.Adagrad(p, initial_accumulator_value=0.1, **k),
    "rmsprop": lambda p, **k: optim.RMSprop(p, centered=True, momentum=0.5, **k),
    "adam": lambda p, **k: optim.Adam(p, lr=0.01, **k),
    "adam-epsilon-hat": lambda p, **k: optim.Adam(p, lr=0.01, epsilon_hat=True, **k),
    "adamw": lambda p, **k: optim.AdamW(p, lr=0.01, **k),
    "nadam": lambda p, **k: optim.Nadam(p, lr=0.01, float32_decay=True, **k),
}


@pytest.mark.parametrize("name", MAKERS)
def test_a_stated_state_continues_the_run(name):
    make = MAKERS[name]
    w = np.array([1.0, 2.0, -3.0])
    whole = make({"w": w})
    for g in STEPS:
        whole.step({"w": g})
    w1 = np.array([1.0, 2.0, -3.0])
    first = make({"w": w1})
    first.step({"w": STEPS[0]})
    state = {"w": {k: v.copy() for k, v in first.state["w"].items()}}
    resumed = make({"w": w1}, state=state, t=first.t)
    for g in STEPS[1:]:
        resumed.step({"w": g})
    np.testing.assert_allclose(w1, w, rtol=1e-15)
    assert resumed.t == whole.t == 3


def test_adam_from_stated_moments_is_the_formula():
    m, v, t, g = np.array([0.1]), np.array([0.01]), 4, np.array([0.5])
    w = np.array([1.0])
    opt = optim.Adam({"w": w}, lr=0.1, state={"w": {"m": m, "v": v}}, t=t)
    opt.step({"w": g})
    m5, v5 = 0.9 * 0.1 + 0.1 * 0.5, 0.999 * 0.01 + 0.001 * 0.25
    m_hat, v_hat = m5 / (1 - 0.9**5), v5 / (1 - 0.999**5)
    np.testing.assert_allclose(w, 1.0 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))
    assert m[0] == 0.1 and v[0] == 0.01  # the given arrays were copied, not updated


def test_state_is_built_once_with_the_optimizers_slots():
    p = {"a": np.zeros(2), "b": np.zeros((2, 3))}
    assert {k: sorted(s) for k, s in optim.Adam(p).state.items()} == {
        "a": ["m", "v"], "b": ["m", "v"]
    }  # fmt: skip
    assert optim.SGD(p).state == {"a": {}, "b": {}}
    assert sorted(optim.RMSprop(p, centered=True).state["a"]) == ["m", "s"]
    np.testing.assert_array_equal(
        optim.Adagrad(p, initial_accumulator_value=0.1).state["b"]["G"], 0.1
    )


@pytest.mark.parametrize(
    "state, match",
    [
        ({"x": {"m": np.zeros(2)}}, r"state names do not match: .*unexpected \['x'\]"),
        ({"w": {"s": np.zeros(2)}}, r"state of 'w' do not match.*unexpected \['s'\]"),
        ({"w": {"m": np.zeros(3)}}, r"m of 'w' has shape \(3,\), the parameter \(2,\)"),
    ],
)
def test_a_wrong_state_names_what_is_wrong(state, match):
    with pytest.raises(ValueError, match=match):
        optim.Adam({"w": np.zeros(2)}, state=state)


def test_hyperparameters_are_recorded_once():
    opt = optim.SGD({"w": np.zeros(1)}, lr=0.1, momentum=0.9, momentum_form="buffer")
    assert opt.hyperparameters() == {
        "lr": 0.1, "weight_decay": 0.0, "momentum": 0.9, "nesterov": False,
        "momentum_form": "buffer",
    }  # fmt: skip
    opt.lr = 0.05
    assert opt.hyperparameters()["lr"] == 0.05
    assert repr(optim.GradientDescent({"w": np.zeros(1)}, lr=0.5)) == (
        "GradientDescent(lr=0.5, weight_decay=0.0)"
    )


def test_every_optimizer_module_is_in_the_registry():
    import pathlib

    files = pathlib.Path(optim.__file__).parent.glob("*.py")
    modules = {f.stem for f in files} - {"__init__", "optimizer"}
    assert {cls.__module__.rsplit(".", 1)[1] for cls in optim.OPTIMIZERS.values()} == (
        modules
    )
    assert all(optim.get(name, {"w": np.zeros(1)}).name == name for name in modules)


@pytest.mark.parametrize("name", MAKERS)
def test_an_unpickled_optimizer_keeps_its_rule(name):
    """The rule chosen at construction is chosen again after pickling (a process pool
    sends optimizers to its workers)."""
    import pickle

    w, w_copy = np.array([1.0, 2.0, -3.0]), np.array([1.0, 2.0, -3.0])
    opt = MAKERS[name]({"w": w})
    copy = pickle.loads(pickle.dumps(MAKERS[name]({"w": w_copy})))
    for g in STEPS:
        opt.step({"w": g})
        copy.step({"w": g})
    np.testing.assert_array_equal(copy.params["w"], w)


def test_an_unpickled_plain_sgd_is_gradient_descent():
    import pickle

    opt = pickle.loads(pickle.dumps(optim.SGD({"w": np.ones(2)}, lr=0.5)))
    opt.step({"w": np.ones(2)})
    np.testing.assert_array_equal(opt.params["w"], [0.5, 0.5])
