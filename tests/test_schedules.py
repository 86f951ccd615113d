"""mlplib.training.schedules against PyTorch's StepLR / ExponentialLR /
ReduceLROnPlateau and Keras's ExponentialDecay."""

import numpy as np
import pytest

from mlplib import optim
from mlplib.training import schedules

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

EPOCHS = 40


def ours_and_torch(lr):
    opt = optim.SGD({"w": np.zeros(2)}, lr=lr, momentum=0.9)
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    return opt, torch.optim.SGD([w], lr=lr, momentum=0.9)


def lr_histories(ours, theirs, opt, topt):
    """The learning rate of each epoch under both schedules (optimizer step, then
    scheduler step, as PyTorch requires)."""
    lrs, tlrs = [opt.lr], [topt.param_groups[0]["lr"]]
    for _ in range(EPOCHS - 1):
        ours.step()
        topt.step()
        theirs.step()
        lrs.append(opt.lr)
        tlrs.append(topt.param_groups[0]["lr"])
    return lrs, tlrs


def keras_schedule(schedule, epochs):
    return np.array(
        [float(keras.ops.convert_to_numpy(schedule(e))) for e in range(epochs)]
    )


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.9)])
def test_step_decay_matches_torch_steplr_and_keras_staircase(step_size, gamma):
    opt, topt = ours_and_torch(0.1)
    ours, theirs = (
        schedules.StepDecay(opt, step_size=step_size, gamma=gamma),
        torch.optim.lr_scheduler.StepLR(topt, step_size=step_size, gamma=gamma),
    )
    lrs, tlrs = lr_histories(ours, theirs, opt, topt)
    np.testing.assert_allclose(lrs, tlrs, rtol=1e-13, atol=0)
    k = keras_schedule(
        keras.optimizers.schedules.ExponentialDecay(
            0.1, decay_steps=step_size, decay_rate=gamma, staircase=True
        ),
        EPOCHS,
    )
    np.testing.assert_allclose(
        lrs, k, rtol=1e-6, atol=0
    )  # Keras evaluates the schedule in float32
    assert lrs[step_size] == pytest.approx(0.1 * gamma) and lrs[step_size - 1] == 0.1


@pytest.mark.parametrize("gamma", [0.5, 0.95])
def test_exponential_decay_matches_torch_and_keras(gamma):
    opt, topt = ours_and_torch(0.2)
    ours, theirs = (
        schedules.ExponentialDecay(opt, gamma=gamma),
        torch.optim.lr_scheduler.ExponentialLR(topt, gamma=gamma),
    )
    lrs, tlrs = lr_histories(ours, theirs, opt, topt)
    np.testing.assert_allclose(lrs, tlrs, rtol=1e-13, atol=0)
    np.testing.assert_allclose(lrs, 0.2 * gamma ** np.arange(EPOCHS), rtol=1e-13)
    k = keras_schedule(
        keras.optimizers.schedules.ExponentialDecay(
            0.2, decay_steps=1, decay_rate=gamma
        ),
        EPOCHS,
    )
    np.testing.assert_allclose(lrs, k, rtol=1e-5, atol=0)


METRICS = [
    1.0,
    0.8,
    0.7,
    0.7,
    0.69999,
    0.71,
    0.72,
    0.65,
    0.66,
    0.66,
    0.67,
    0.64,
    0.64,
    0.64,
    0.64,
    0.64,
    0.63995,
    0.64,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(
            mode="min",
            factor=0.5,
            patience=2,
            threshold=1e-4,
            threshold_mode="rel",
            cooldown=0,
            min_lr=0.0,
        ),
        dict(
            mode="min",
            factor=0.1,
            patience=1,
            threshold=0.02,
            threshold_mode="abs",
            cooldown=2,
            min_lr=1e-4,
        ),
        dict(
            mode="min",
            factor=0.5,
            patience=0,
            threshold=0.0,
            threshold_mode="rel",
            cooldown=1,
            min_lr=0.0,
            eps=1e-3,
        ),
        dict(
            mode="max",
            factor=0.2,
            patience=3,
            threshold=1e-3,
            threshold_mode="rel",
            cooldown=0,
            min_lr=0.0,
        ),
        dict(
            mode="max",
            factor=0.5,
            patience=1,
            threshold=0.01,
            threshold_mode="abs",
            cooldown=1,
            min_lr=0.01,
        ),
    ],
)
def test_reduce_on_plateau_matches_torch(kwargs):
    opt, topt = ours_and_torch(0.1)
    ours = schedules.ReduceLROnPlateau(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    metrics = METRICS if kwargs["mode"] == "min" else [1 - m for m in METRICS]
    lrs, tlrs = [], []
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        lrs.append(opt.lr)
        tlrs.append(topt.param_groups[0]["lr"])
    assert lrs == pytest.approx(tlrs, rel=1e-14, abs=0)
    assert len(set(lrs)) > 1  # the sequence really triggered reductions


def test_reduce_on_plateau_waits_patience_then_reduces():
    opt = optim.Adam({"w": np.zeros(1)}, lr=0.01)
    s = schedules.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    assert [s.step(m) for m in (1.0, 1.0, 1.0, 1.0, 0.5)] == [
        0.01,
        0.01,
        0.01,
        0.005,
        0.005,
    ]


def test_schedules_drive_the_optimizer_used_for_steps():
    w = np.ones(1)
    opt = optim.GradientDescent({"w": w}, lr=0.1)
    sched = schedules.StepDecay(opt, step_size=1, gamma=0.5)
    opt.step({"w": np.ones(1)})
    sched.step()
    opt.step({"w": np.ones(1)})
    np.testing.assert_allclose(w, [1 - 0.1 - 0.05])


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda o: schedules.StepDecay(o, step_size=0),
            ValueError,
            r"StepDecay: step_size \(epochs\) must be >= 1",
        ),
        (
            lambda o: schedules.StepDecay(o, step_size=2.5),
            TypeError,
            r"step_size \(epochs\) must be an integer, got 2.5",
        ),
        (
            lambda o: schedules.StepDecay(o, step_size=True),
            TypeError,
            r"step_size \(epochs\) must be an integer, got True",
        ),
        (
            lambda o: schedules.StepDecay(o, step_size=2, gamma=1.5),
            ValueError,
            r"StepDecay: gamma must be a finite number in \(0, 1\)",
        ),
        (
            lambda o: schedules.ExponentialDecay(o, gamma=0),
            ValueError,
            r"ExponentialDecay: gamma must be a finite number in \(0, 1\)",
        ),
        (
            lambda o: schedules.ExponentialDecay("sgd", gamma=0.5),
            TypeError,
            r"expected an mlplib.optim optimizer, got str",
        ),
        (
            lambda o: schedules.ReduceLROnPlateau(o, mode="lowest"),
            ValueError,
            r"mode must be one of \['min', 'max'\], got 'lowest'",
        ),
        (
            lambda o: schedules.ReduceLROnPlateau(o, factor=1.0),
            ValueError,
            r"factor must be a finite number in \(0, 1\)",
        ),
        (
            lambda o: schedules.ReduceLROnPlateau(o, patience=-1),
            ValueError,
            r"patience \(epochs\) must be >= 0, got -1",
        ),
        (
            lambda o: schedules.ReduceLROnPlateau(o, threshold_mode="pct"),
            ValueError,
            r"threshold_mode must be one of \['rel', 'abs'\]",
        ),
        (
            lambda o: schedules.ReduceLROnPlateau(o, min_lr=-1),
            ValueError,
            r"min_lr must be a finite number in \[0, inf\)",
        ),
    ],
)
def test_bad_arguments_raise(make, error, match):
    with pytest.raises(error, match=match):
        make(optim.SGD({"w": np.zeros(1)}, lr=0.1))


def test_plateau_metric_must_be_finite():
    s = schedules.ReduceLROnPlateau(optim.SGD({"w": np.zeros(1)}, lr=0.1))
    with pytest.raises(
        ValueError,
        match=r"ReduceLROnPlateau.step: metric must be a finite number .* got nan",
    ):
        s.step(float("nan"))
