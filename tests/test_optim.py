"""mlplib.optim against torch.optim and keras.optimizers: 200 steps, float64, identical
gradients.

Every step the gradient is computed once, by mlplib at mlplib's current weights, and fed
to all
sides (``.grad`` in PyTorch, ``apply_gradients`` in Keras), so only the update rules are
compared.
Each case names every hyperparameter on both sides, mapping the differences of form
explicitly.
"""

import numpy as np
import pytest

from mlplib import Sequential, interop, optim
from mlplib.errors import ShapeError

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

N_STEPS = 200
RTOL = 1e-9


@pytest.fixture(scope="module", autouse=True)
def float64_everywhere():
    """Keras keeps the learning rate in floatx, PyTorch NAdam its momentum product in
    the default dtype."""
    old, old_torch = keras.config.floatx(), torch.get_default_dtype()
    keras.config.set_floatx("float64")
    torch.set_default_dtype(
        torch.float64
    )  # NAdam keeps its momentum product in the default dtype
    yield
    keras.config.set_floatx(old)
    torch.set_default_dtype(old_torch)


def make_problem(seed=0):
    model = Sequential.from_sizes(
        [4, 6, 5, 3], ["tanh", "sigmoid", "identity"], seed=seed, dtype=np.float64
    )
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(16, 4))
    T = rng.normal(size=(16, 3))
    return model, X, T


def gradient(model, X, T):
    model.compute_gradients("mse", X, T)
    return {k: np.array(v) for k, v in model.gradients().items()}


class TorchSide:
    def __init__(self, model, make_opt):
        self.net = interop.to_torch(model)
        self.linears = [m for m in self.net.modules() if isinstance(m, torch.nn.Linear)]
        self.opt = make_opt([p for lin in self.linears for p in (lin.weight, lin.bias)])

    def step(self, grads):
        for i, lin in enumerate(self.linears):
            lin.weight.grad = torch.from_numpy(np.ascontiguousarray(grads[f"{i}.W"].T))
            lin.bias.grad = torch.from_numpy(grads[f"{i}.b"].copy())
        self.opt.step()

    def params(self):
        out = {}
        for i, lin in enumerate(self.linears):
            out[f"{i}.W"] = lin.weight.detach().numpy().T
            out[f"{i}.b"] = lin.bias.detach().numpy()
        return out


class KerasSide:
    def __init__(self, model, make_opt, l2=0.0):
        self.kmodel = interop.to_keras(model)
        self.vars = self.kmodel.trainable_variables
        self.names = [f"{i}.{p}" for i in range(len(model.layers)) for p in ("W", "b")]
        self.opt = make_opt()
        # Keras's weight_decay is decoupled; the L2 gradient g + lam*w is formed here
        self.l2 = l2
        self.apply = tf.function(
            self._apply
        )  # traced once: eager Keras steps are ~10x slower

    def _apply(self, gs):
        self.opt.apply_gradients([(g + self.l2 * v, v) for g, v in zip(gs, self.vars)])

    def step(self, grads):
        self.apply([tf.constant(grads[n]) for n in self.names])

    def params(self):
        return {n: np.asarray(v.numpy()) for n, v in zip(self.names, self.vars)}


T_OPT, K_OPT = torch.optim, keras.optimizers
# Keras's ops.cast(python_float, "float64") goes through float32, and SGD's momentum and
# Adam's and Nadam's beta powers are cast that way: 0.9 acts as 0.899999976. Keras cases
# therefore use momentum and betas that float32 represents exactly (the torch cases use
# the usual 0.9 / 0.999); the same holds for Adagrad's initial accumulator (0.125, not
# 0.1) and AdamW's weight decay (0.0625).
MU, B1, B2 = 0.875, 0.875, 0.9990234375

# (id, mlplib optimizer factory, framework, framework optimizer factory, L2 on the Keras
# side)
CASES = [
    (
        "gd-torch",
        lambda p: optim.GradientDescent(p, lr=0.05),
        "torch",
        lambda ps: T_OPT.SGD(ps, lr=0.05, momentum=0.0, foreach=False),
        0.0,
    ),
    (
        "gd-keras",
        lambda p: optim.GradientDescent(p, lr=0.05),
        "keras",
        lambda: K_OPT.SGD(learning_rate=0.05, momentum=0.0),
        0.0,
    ),
    (
        "gd-l2-torch",
        lambda p: optim.GradientDescent(p, lr=0.05, weight_decay=0.01),
        "torch",
        lambda ps: T_OPT.SGD(
            ps, lr=0.05, momentum=0.0, weight_decay=0.01, foreach=False
        ),
        0.0,
    ),
]
for form, nesterov in (
    ("velocity", False),
    ("buffer", True),
):  # the other pairings: test_momentum_forms_...
    if True:
        tag = f"{'nesterov' if nesterov else 'momentum'}-{form}form"
        CASES += [
            (
                f"{tag}-torch",
                lambda p, f=form, n=nesterov: optim.SGD(
                    p, lr=0.05, momentum=0.9, nesterov=n, momentum_form=f
                ),
                "torch",
                lambda ps, n=nesterov: T_OPT.SGD(
                    ps, lr=0.05, momentum=0.9, dampening=0.0, nesterov=n, foreach=False
                ),
                0.0,
            ),
        ] + (
            []
            if form == "velocity"
            else [  # the velocity form against Keras: momentum-l2-keras below
                (
                    f"{tag}-keras",
                    lambda p, f=form, n=nesterov: optim.SGD(
                        p, lr=0.05, momentum=MU, nesterov=n, momentum_form=f
                    ),
                    "keras",
                    lambda n=nesterov: K_OPT.SGD(
                        learning_rate=0.05, momentum=MU, nesterov=n
                    ),
                    0.0,
                ),
            ]
        )
CASES += [
    (
        "momentum-l2-torch",
        lambda p: optim.SGD(
            p, lr=0.05, momentum=0.9, weight_decay=0.01, momentum_form="buffer"
        ),
        "torch",
        lambda ps: T_OPT.SGD(
            ps, lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.01, foreach=False
        ),
        0.0,
    ),
    (
        "momentum-l2-keras",
        lambda p: optim.SGD(p, lr=0.05, momentum=MU, weight_decay=0.01),
        "keras",
        lambda: K_OPT.SGD(learning_rate=0.05, momentum=MU),
        0.01,
    ),
    (
        "adagrad-torch",
        lambda p: optim.Adagrad(
            p,
            lr=0.1,
            eps=1e-10,
            initial_accumulator_value=0.0,
            epsilon_inside_sqrt=False,
        ),
        "torch",
        lambda ps: T_OPT.Adagrad(
            ps,
            lr=0.1,
            lr_decay=0.0,
            eps=1e-10,
            initial_accumulator_value=0.0,
            foreach=False,
        ),
        0.0,
    ),
    (
        "adagrad-keras",
        lambda p: optim.Adagrad(
            p,
            lr=0.1,
            eps=1e-7,
            initial_accumulator_value=0.125,
            epsilon_inside_sqrt=True,
        ),
        "keras",
        lambda: K_OPT.Adagrad(
            learning_rate=0.1, initial_accumulator_value=0.125, epsilon=1e-7
        ),
        0.0,
    ),
    (
        "adagrad-l2-torch",
        lambda p: optim.Adagrad(p, lr=0.1, eps=1e-10, weight_decay=0.01),
        "torch",
        lambda ps: T_OPT.Adagrad(
            ps, lr=0.1, lr_decay=0.0, eps=1e-10, weight_decay=0.01, foreach=False
        ),
        0.0,
    ),
]
for mom, centered in ((0.0, False), (0.5, True)):
    if True:
        tag = f"rmsprop-mom{mom}-{'centered' if centered else 'plain'}"
        CASES += [
            (
                f"{tag}-torch",
                lambda p, m=mom, c=centered: optim.RMSprop(
                    p,
                    lr=0.01,
                    rho=0.9,
                    eps=1e-8,
                    momentum=m,
                    centered=c,
                    epsilon_inside_sqrt=False,
                ),
                "torch",
                lambda ps, m=mom, c=centered: T_OPT.RMSprop(
                    ps,
                    lr=0.01,
                    alpha=0.9,
                    eps=1e-8,
                    momentum=m,
                    centered=c,
                    foreach=False,
                ),
                0.0,
            ),
            (
                f"{tag}-keras",
                lambda p, m=mom, c=centered: optim.RMSprop(
                    p,
                    lr=0.01,
                    rho=0.9,
                    eps=1e-7,
                    momentum=m,
                    centered=c,
                    epsilon_inside_sqrt=True,
                ),
                "keras",
                lambda m=mom, c=centered: K_OPT.RMSprop(
                    learning_rate=0.01, rho=0.9, epsilon=1e-7, momentum=m, centered=c
                ),
                0.0,
            ),
        ]
CASES += [
    (
        "adam-torch",
        lambda p: optim.Adam(
            p, lr=0.01, beta_1=0.9, beta_2=0.999, eps=1e-8, epsilon_hat=False
        ),
        "torch",
        lambda ps: T_OPT.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, foreach=False),
        0.0,
    ),
    (
        "adam-l2-keras",
        lambda p: optim.Adam(
            p,
            lr=0.01,
            beta_1=B1,
            beta_2=B2,
            eps=1e-7,
            epsilon_hat=True,
            weight_decay=0.01,
        ),
        "keras",
        lambda: K_OPT.Adam(learning_rate=0.01, beta_1=B1, beta_2=B2, epsilon=1e-7),
        0.01,
    ),
    (
        "adam-l2-torch",
        lambda p: optim.Adam(
            p, lr=0.01, beta_1=0.8, beta_2=0.99, eps=1e-8, weight_decay=0.01
        ),
        "torch",
        lambda ps: T_OPT.Adam(
            ps, lr=0.01, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.01, foreach=False
        ),
        0.0,
    ),
    (
        "adamw-torch",
        lambda p: optim.AdamW(
            p, lr=0.01, beta_1=0.9, beta_2=0.999, eps=1e-8, weight_decay=0.05
        ),
        "torch",
        lambda ps: T_OPT.AdamW(
            ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05, foreach=False
        ),
        0.0,
    ),
    (
        "adamw-keras",
        lambda p: optim.AdamW(
            p,
            lr=0.01,
            beta_1=B1,
            beta_2=B2,
            eps=1e-7,
            weight_decay=0.0625,
            epsilon_hat=True,
        ),
        "keras",
        lambda: K_OPT.AdamW(
            learning_rate=0.01, beta_1=B1, beta_2=B2, epsilon=1e-7, weight_decay=0.0625
        ),
        0.0,
    ),
    (
        "nadam-torch",
        lambda p: optim.Nadam(
            p, lr=0.01, beta_1=0.9, beta_2=0.999, eps=1e-8, momentum_decay=0.004
        ),
        "torch",
        lambda ps: T_OPT.NAdam(
            ps,
            lr=0.01,
            betas=(0.9, 0.999),
            eps=1e-8,
            momentum_decay=0.004,
            foreach=False,
        ),
        0.0,
    ),
    (
        "nadam-keras",
        lambda p: optim.Nadam(
            p,
            lr=0.01,
            beta_1=B1,
            beta_2=B2,
            eps=1e-7,
            momentum_decay=1.0,
            float32_decay=True,
        ),
        "keras",
        lambda: K_OPT.Nadam(learning_rate=0.01, beta_1=B1, beta_2=B2, epsilon=1e-7),
        0.0,
    ),
    (
        "nadam-l2-torch",
        lambda p: optim.Nadam(
            p, lr=0.01, eps=1e-8, momentum_decay=0.004, weight_decay=0.01
        ),
        "torch",
        lambda ps: T_OPT.NAdam(
            ps,
            lr=0.01,
            betas=(0.9, 0.999),
            eps=1e-8,
            momentum_decay=0.004,
            weight_decay=0.01,
            foreach=False,
        ),
        0.0,
    ),
]


def assert_same(ours, theirs, what):
    for name in ours:
        np.testing.assert_allclose(
            ours[name], theirs[name], rtol=RTOL, atol=0, err_msg=f"{what}: {name}"
        )


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_framework_for_200_steps(case):
    _, make_ours, framework, make_theirs, l2 = case
    model, X, T = make_problem()
    start = {k: v.copy() for k, v in model.parameters().items()}
    theirs = (
        TorchSide(model, make_theirs)
        if framework == "torch"
        else KerasSide(model, make_theirs, l2)
    )
    opt = make_ours(model.parameters())
    for _ in range(N_STEPS):
        grads = gradient(model, X, T)
        opt.step(grads)
        theirs.step(grads)
    assert opt.t == N_STEPS
    assert_same(model.parameters(), theirs.params(), case[0])
    moved = max(np.abs(model.parameters()[k] - start[k]).max() for k in start)
    assert moved > 1e-2  # the comparison is not of parameters that hardly moved


def run(make_opt, lrs):
    model, X, T = make_problem(seed=3)
    opt = make_opt(model.parameters())
    for lr in lrs:
        opt.lr = lr
        opt.step(gradient(model, X, T))
    return model.parameters()


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_forms_equal_at_constant_lr_and_differ_when_lr_changes(
    nesterov,
):
    def keras_form(p):
        return optim.SGD(
            p, lr=0.05, momentum=0.9, nesterov=nesterov, momentum_form="velocity"
        )

    def torch_form(p):
        return optim.SGD(
            p, lr=0.05, momentum=0.9, nesterov=nesterov, momentum_form="buffer"
        )

    a, b = run(keras_form, [0.05] * 100), run(torch_form, [0.05] * 100)
    assert_same(a, b, "constant lr")
    lrs = [0.05] * 50 + [0.005] * 50
    a, b = run(keras_form, lrs), run(torch_form, lrs)
    assert max(np.abs(a[k] - b[k]).max() for k in a) > 1e-4


def test_updates_in_place_and_keeps_state_per_parameter():
    model, X, T = make_problem()
    params = model.parameters()
    ids = {k: id(v) for k, v in params.items()}
    W0 = params["0.W"].copy()
    opt = optim.Adam(params, lr=0.01)
    opt.step(gradient(model, X, T))
    assert {k: id(v) for k, v in model.parameters().items()} == ids
    assert not np.array_equal(model.parameters()["0.W"], W0)
    assert set(opt.state) == set(params) and set(opt.state["0.W"]) == {"m", "v"}
    assert opt.state["0.W"]["m"].shape == params["0.W"].shape and opt.t == 1


def test_gradient_descent_is_one_line():
    w = np.array([1.0, -2.0])
    optim.GradientDescent({"w": w}, lr=0.1).step({"w": np.array([0.5, 4.0])})
    np.testing.assert_allclose(w, [1.0 - 0.05, -2.0 - 0.4], rtol=1e-15)


ALL = [
    lambda p: optim.GradientDescent(p, lr=0.1),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: optim.Adagrad(p),
    lambda p: optim.RMSprop(p, momentum=0.5, centered=True),
    lambda p: optim.Adam(p),
    lambda p: optim.AdamW(p),
    lambda p: optim.Nadam(p),
]


@pytest.mark.parametrize("make", ALL)
def test_float32_models_stay_float32(make):
    model = Sequential.from_sizes(
        [3, 4, 2], ["relu", "identity"], seed=0
    )  # float32 by default
    X, T = np.ones((5, 3), np.float32), np.zeros((5, 2), np.float32)
    opt = make(model.parameters())
    for _ in range(3):
        model.compute_gradients("mse", X, T)
        opt.step(model.gradients())
    for name, p in model.parameters().items():
        assert p.dtype == np.float32 and np.all(np.isfinite(p)), name


def test_works_on_torch_tensors():
    w = torch.tensor([1.0, -2.0], dtype=torch.float64)
    ref = np.array([1.0, -2.0])
    ours, numpy_twin = optim.Adam({"w": w}, lr=0.1), optim.Adam({"w": ref}, lr=0.1)
    for g in ([0.5, 4.0], [-1.0, 2.0]):
        ours.step({"w": torch.tensor(g, dtype=torch.float64)})
        numpy_twin.step({"w": np.array(g)})
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-15)


# ---- errors --------------------------------------------------------------------------
P = {"w": np.zeros(3)}


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: optim.SGD(P, lr=-0.1),
            r"SGD: lr \(learning rate\) must be a finite number in \[0, inf\), got "
            r"-0.1",
        ),
        (
            lambda: optim.GradientDescent(P, lr=float("nan")),
            r"GradientDescent: lr \(learning rate\) must be a finite",
        ),
        (
            lambda: optim.SGD(P, lr=0.1, momentum=1.0),
            r"SGD: momentum must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda: optim.SGD(P, lr=0.1, momentum=-0.5),
            r"SGD: momentum must be a finite number in \[0, 1\), got -0.5",
        ),
        (
            lambda: optim.SGD(P, lr=0.1, nesterov=True),
            r"nesterov=True needs momentum > 0",
        ),
        (
            lambda: optim.SGD(P, lr=0.1, momentum_form="paper"),
            r"momentum_form must be one of \['velocity', 'buffer'\], got 'paper'",
        ),
        (
            lambda: optim.SGD(P, lr=0.1, weight_decay=-1),
            r"weight_decay must be a finite number in \[0, inf\), got -1.0",
        ),
        (
            lambda: optim.Adam(P, beta_1=1.0),
            r"Adam: beta_1 must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda: optim.Adam(P, beta_2=-0.1),
            r"Adam: beta_2 must be a finite number in \[0, 1\), got -0.1",
        ),
        (
            lambda: optim.AdamW(P, beta_2=1.5),
            r"AdamW: beta_2 must be a finite number in \[0, 1\), got 1.5",
        ),
        (
            lambda: optim.Adam(P, eps=0.0),
            r"Adam: eps must be a finite number in \(0, inf\), got 0.0",
        ),
        (
            lambda: optim.Nadam(P, beta_1=1.0),
            r"Nadam: beta_1 must be a finite number in \[0, 1\)",
        ),
        (
            lambda: optim.Nadam(P, momentum_decay=0),
            r"Nadam: momentum_decay must be a finite number in \(0, inf\)",
        ),
        (
            lambda: optim.RMSprop(P, rho=1.0),
            r"RMSprop: rho must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda: optim.RMSprop(P, momentum=2),
            r"RMSprop: momentum must be a finite number in \[0, 1\), got 2.0",
        ),
        (
            lambda: optim.RMSprop(P, eps=-1e-8),
            r"RMSprop: eps must be a finite number in \(0, inf\)",
        ),
        (
            lambda: optim.Adagrad(P, eps=0),
            r"Adagrad: eps must be a finite number in \(0, inf\)",
        ),
        (
            lambda: optim.Adagrad(P, initial_accumulator_value=-0.1),
            r"initial_accumulator_value must be a finite number in \[0, inf\)",
        ),
    ],
)
def test_bad_hyperparameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_hyperparameters_of_the_wrong_type_raise_type_error():
    with pytest.raises(
        TypeError,
        match=r"Adam: lr \(learning rate\) must be a real number, got '0.1' \(str\)",
    ):
        optim.Adam(P, lr="0.1")
    with pytest.raises(
        TypeError, match=r"SGD: momentum must be a real number, got True \(bool\)"
    ):
        optim.SGD(P, lr=0.1, momentum=True)


def test_lr_setter_checks():
    opt = optim.SGD({"w": np.zeros(2)}, lr=0.1)
    opt.lr = 0.01
    assert opt.lr == 0.01
    with pytest.raises(
        ValueError,
        match=r"SGD: lr \(learning rate\) must be a finite number in \[0, inf\), got "
        r"-1.0",
    ):
        opt.lr = -1.0


def test_params_must_be_a_dict():
    with pytest.raises(
        TypeError, match=r"params must be a non-empty dict name -> array.*got list"
    ):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"\(empty\)"):
        optim.Adam({}, lr=0.1)


def test_gradient_names_and_shapes_must_match():
    model, X, T = make_problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    grads = gradient(model, X, T)
    with pytest.raises(
        ValueError,
        match=r"SGD.step: gradient names do not match: missing \['0.b'\], unexpected "
        r"\['0.bias'\]",
    ):
        opt.step({("0.bias" if k == "0.b" else k): v for k, v in grads.items()})
    bad = dict(grads, **{"1.W": grads["1.W"].T})
    with pytest.raises(
        ShapeError,
        match=r"gradient '1.W' has shape \(5, 6\), but parameter '1.W' has shape \(6, "
        r"5\)",
    ):
        opt.step(bad)
    with pytest.raises(TypeError, match=r"grads must be a dict"):
        opt.step(list(grads.values()))
    assert opt.t == 0  # nothing was applied
