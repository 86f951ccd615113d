r"""Optimizers: how the gradient turns into a change of the parameters.

Every optimizer holds the model's named parameters (``model.parameters()``, the layers' own
arrays) and updates them **in place** from the named gradients (``model.gradients()``)::

    opt = optim.Adam(model.parameters(), lr=1e-3)
    E = model.compute_gradients("categorical_crossentropy", X, T)
    opt.step(model.gradients())

Notation: :math:`g` the gradient of one parameter array, :math:`\eta` the learning rate
(``opt.lr``), :math:`t` the step count (``opt.t``, 1 on the first step). Where PyTorch and
Keras write the same method differently, the formulation is an option and the docstring
says which setting reproduces which framework (Chapter 4 shows they take identical steps).

Weight decay: ``weight_decay=lam`` in every optimizer except :class:`AdamW` is the **L2
regularised gradient** :math:`g \leftarrow g + \lambda w` (PyTorch's ``weight_decay``);
:class:`AdamW` decays the weights directly, :math:`w \leftarrow w - \eta\lambda w`, before the
Adam step (PyTorch ``AdamW``, and what Keras's ``weight_decay`` argument does in every Keras optimizer).
"""
import math

from .backend import namespace
from .errors import ShapeError

FORMULATIONS = ("keras", "torch")


# ---- hyperparameter checks -------------------------------------------------------------------
def _number(cls, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{cls}: {name} must be a finite real number, got {value!r}")
    return float(value)


def check_lr(cls, lr):
    """The learning rate must be a finite number ``>= 0``."""
    lr = _number(cls, "lr (learning rate)", lr)
    if lr < 0:
        raise ValueError(f"{cls}: lr (learning rate) must be >= 0, got {lr}; a negative rate climbs the loss")
    return lr


def check_unit(cls, name, value):
    """Momentum and decay rates (beta_1, beta_2, rho) must lie in ``[0, 1)``."""
    value = _number(cls, name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{cls}: {name} must be in [0, 1), got {value}")
    return value


def check_positive(cls, name, value):
    """Epsilons must be ``> 0`` (they keep a division away from zero)."""
    value = _number(cls, name, value)
    if value <= 0:
        raise ValueError(f"{cls}: {name} must be > 0, got {value}")
    return value


def check_nonnegative(cls, name, value):
    value = _number(cls, name, value)
    if value < 0:
        raise ValueError(f"{cls}: {name} must be >= 0, got {value}")
    return value


# ---- the base class --------------------------------------------------------------------------
class Optimizer:
    """Holds ``params`` (name -> array), the learning rate ``lr``, per-parameter ``state`` and step count ``t``.

    :meth:`step` checks the gradients, increments ``t`` and calls :meth:`update` once per parameter.
    """

    def __init__(self, params, lr, weight_decay=0.0):
        cls = type(self).__name__
        if not isinstance(params, dict) or not params:
            raise TypeError(
                f"{cls}: params must be a non-empty dict name -> array, such as model.parameters(); "
                f"got {type(params).__name__}" + (" (empty)" if isinstance(params, dict) else "")
            )
        self.params = params
        self.lr = lr
        self.weight_decay = check_nonnegative(cls, "weight_decay", weight_decay)
        self.state = {name: {} for name in params}
        self.t = 0

    @property
    def lr(self):
        """The learning rate :math:`\\eta`; schedules assign to it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_lr(type(self).__name__, value)

    def check_gradients(self, grads):
        """Require ``grads`` to have exactly the keys of ``params`` and, per key, the same shape."""
        cls = type(self).__name__
        if not isinstance(grads, dict):
            raise TypeError(f"{cls}.step: grads must be a dict name -> array (model.gradients()), got {type(grads).__name__}")
        missing, extra = sorted(set(self.params) - set(grads)), sorted(set(grads) - set(self.params))
        if missing or extra:
            raise KeyError(
                f"{cls}.step: gradient names do not match the parameters: missing {missing}, unexpected {extra}; "
                f"expected exactly {list(self.params)}"
            )
        for name, p in self.params.items():
            g = grads[name]
            if tuple(getattr(g, "shape", ())) != tuple(p.shape):
                raise ShapeError(
                    f"{cls}.step: gradient {name!r} has shape {tuple(getattr(g, 'shape', ()))}, "
                    f"but parameter {name!r} has shape {tuple(p.shape)}"
                )

    def step(self, grads):
        """Apply one update to every parameter, in place, from ``grads`` (name -> array)."""
        self.check_gradients(grads)
        self.t += 1
        for name, w in self.params.items():
            g = grads[name]
            if self.weight_decay and not self.decoupled:
                g = g + self.weight_decay * w  # L2 regularised gradient: d/dw (E + lam/2 |w|^2)
            self.update(w, g, self.state[name])

    decoupled = False

    def update(self, w, g, state):  # pragma: no cover - every optimizer defines it
        raise NotImplementedError

    def __repr__(self):
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({hyper})"

    def hyperparameters(self):
        return {"lr": self.lr, "weight_decay": self.weight_decay}


# ---- the optimizers --------------------------------------------------------------------------
class GradientDescent(Optimizer):
    r"""Plain gradient descent, :math:`w \leftarrow w - \eta g`.

    PyTorch: ``SGD(lr=eta, momentum=0)``. Keras: ``SGD(learning_rate=eta, momentum=0)``.
    """

    def __init__(self, params, lr=0.01, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)

    def update(self, w, g, state):
        w -= self.lr * g


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum :math:`\mu`.

    ``formulation="keras"`` (the slides' velocity, Keras ``SGD``):

    .. math:: v \leftarrow \mu v - \eta g, \qquad w \leftarrow w + v
        \qquad(\text{Nesterov: } w \leftarrow w + \mu v - \eta g)

    ``formulation="torch"`` (PyTorch ``SGD``, dampening 0):

    .. math:: b \leftarrow \mu b + g, \qquad w \leftarrow w - \eta b
        \qquad(\text{Nesterov: } w \leftarrow w - \eta (g + \mu b))

    With a constant :math:`\eta` the two are the same method: :math:`v = -\eta b` at every step.
    They differ once :math:`\eta` changes (Keras's velocity remembers the old rates, PyTorch's buffer does not).
    """

    def __init__(self, params, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0, formulation="keras"):
        super().__init__(params, lr, weight_decay)
        self.momentum = check_unit("SGD", "momentum", momentum)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0, got momentum=0.0")
        if formulation not in FORMULATIONS:
            raise ValueError(f"SGD: formulation must be one of {FORMULATIONS}, got {formulation!r}")
        self.nesterov = bool(nesterov)
        self.formulation = formulation

    def update(self, w, g, state):
        mu, lr = self.momentum, self.lr
        if mu == 0:
            w -= lr * g
        elif self.formulation == "keras":
            v = state.setdefault("v", namespace(w).zeros_like(w))
            v[...] = mu * v - lr * g
            w += (mu * v - lr * g) if self.nesterov else v
        else:
            b = state.setdefault("b", namespace(w).zeros_like(w))
            b[...] = mu * b + g
            w -= lr * ((g + mu * b) if self.nesterov else b)

    def hyperparameters(self):
        return {**super().hyperparameters(), "momentum": self.momentum, "nesterov": self.nesterov,
                "formulation": self.formulation}


class Adagrad(Optimizer):
    r"""AdaGrad: each weight's rate shrinks with the sum of its squared gradients.

    .. math:: G \leftarrow G + g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{G} + \epsilon}
        \quad\text{or, with } \texttt{epsilon\_inside\_sqrt}\text{,}\quad
        w \leftarrow w - \eta \frac{g}{\sqrt{G + \epsilon}}

    :math:`G` starts at ``initial_accumulator_value``. PyTorch: epsilon outside, accumulator 0
    (``eps=1e-10``). Keras: ``epsilon_inside_sqrt=True``, ``initial_accumulator_value=0.1``, ``epsilon=1e-7``.
    """

    def __init__(self, params, lr=0.01, eps=1e-10, initial_accumulator_value=0.0, epsilon_inside_sqrt=False,
                 weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.eps = check_positive("Adagrad", "eps", eps)
        self.initial_accumulator_value = check_nonnegative("Adagrad", "initial_accumulator_value",
                                                           initial_accumulator_value)
        self.epsilon_inside_sqrt = bool(epsilon_inside_sqrt)

    def update(self, w, g, state):
        xp = namespace(w)
        if "G" not in state:
            state["G"] = xp.full_like(w, self.initial_accumulator_value)
        G = state["G"]
        G += g * g
        denom = xp.sqrt(G + self.eps) if self.epsilon_inside_sqrt else xp.sqrt(G) + self.eps
        w -= self.lr * g / denom

    def hyperparameters(self):
        return {**super().hyperparameters(), "eps": self.eps,
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon_inside_sqrt": self.epsilon_inside_sqrt}


class RMSprop(Optimizer):
    r"""RMSprop: divide by a running root mean square of recent gradients.

    .. math:: s \leftarrow \rho s + (1-\rho) g^2, \qquad
        w \leftarrow w - \eta \frac{g}{\sqrt{s} + \epsilon}
        \quad(\texttt{epsilon\_inside\_sqrt}: \ \sqrt{s + \epsilon})

    ``centered=True`` subtracts the squared running mean of :math:`g` from :math:`s` (a variance).
    With ``momentum`` :math:`\mu > 0`: :math:`B \leftarrow \mu B + g/\text{denom}`, :math:`w \leftarrow w - \eta B`
    (PyTorch; Keras keeps :math:`\eta` inside the buffer, the same at constant :math:`\eta`).
    PyTorch: ``alpha`` is :math:`\rho` (default 0.99), epsilon outside (``eps=1e-8``), lr 0.01.
    Keras: ``rho=0.9``, ``epsilon_inside_sqrt=True`` (``epsilon=1e-7``), lr 0.001.
    """

    def __init__(self, params, lr=0.001, rho=0.9, eps=1e-7, epsilon_inside_sqrt=False, momentum=0.0,
                 centered=False, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.rho = check_unit("RMSprop", "rho", rho)
        self.eps = check_positive("RMSprop", "eps", eps)
        self.momentum = check_unit("RMSprop", "momentum", momentum)
        self.epsilon_inside_sqrt = bool(epsilon_inside_sqrt)
        self.centered = bool(centered)

    def update(self, w, g, state):
        xp = namespace(w)
        rho = self.rho
        s = state.setdefault("s", xp.zeros_like(w))
        s[...] = rho * s + (1 - rho) * (g * g)
        var = s
        if self.centered:
            m = state.setdefault("m", xp.zeros_like(w))
            m[...] = rho * m + (1 - rho) * g
            var = s - m * m
        denom = xp.sqrt(var + self.eps) if self.epsilon_inside_sqrt else xp.sqrt(var) + self.eps
        if self.momentum > 0:
            B = state.setdefault("B", xp.zeros_like(w))
            B[...] = self.momentum * B + g / denom
            w -= self.lr * B
        else:
            w -= self.lr * g / denom

    def hyperparameters(self):
        return {**super().hyperparameters(), "rho": self.rho, "eps": self.eps, "momentum": self.momentum,
                "epsilon_inside_sqrt": self.epsilon_inside_sqrt, "centered": self.centered}


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015): momentum plus RMSprop, both bias-corrected.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        \hat m = \frac{m}{1-\beta_1^t}, \quad \hat v = \frac{v}{1-\beta_2^t}, \quad
        w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    This is the paper's Algorithm 1 and PyTorch's ``Adam``. ``epsilon_hat=True`` is the paper's
    "more efficient" ordering that Keras uses: :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`,
    :math:`w \leftarrow w - \eta_t m/(\sqrt{v} + \hat\epsilon)`; it equals the first form with
    :math:`\epsilon = \hat\epsilon / \sqrt{1-\beta_2^t}`. Defaults: PyTorch ``eps=1e-8``, Keras ``epsilon=1e-7``.
    """

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, eps=1e-8, epsilon_hat=False, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        cls = type(self).__name__
        self.beta_1 = check_unit(cls, "beta_1", beta_1)
        self.beta_2 = check_unit(cls, "beta_2", beta_2)
        self.eps = check_positive(cls, "eps", eps)
        self.epsilon_hat = bool(epsilon_hat)

    def update(self, w, g, state):
        xp = namespace(w)
        b1, b2, t = self.beta_1, self.beta_2, self.t
        m = state.setdefault("m", xp.zeros_like(w))
        v = state.setdefault("v", xp.zeros_like(w))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        if self.epsilon_hat:
            lr_t = self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            w -= lr_t * m / (xp.sqrt(v) + self.eps)
        else:
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            w -= self.lr * m_hat / (xp.sqrt(v_hat) + self.eps)

    def hyperparameters(self):
        return {**super().hyperparameters(), "beta_1": self.beta_1, "beta_2": self.beta_2, "eps": self.eps,
                "epsilon_hat": self.epsilon_hat}


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    .. math:: w \leftarrow w - \eta \lambda w, \quad\text{then the Adam step on } g \text{ (no } \lambda w \text{ added to } g).

    PyTorch ``AdamW`` (default ``weight_decay=0.01``) and Keras ``AdamW`` (default 0.004, with
    ``epsilon_hat=True``) both decay first, with the current learning rate.
    """

    decoupled = True

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, eps=1e-8, weight_decay=0.01, epsilon_hat=False):
        super().__init__(params, lr, beta_1, beta_2, eps, epsilon_hat, weight_decay)

    def update(self, w, g, state):
        w -= self.lr * self.weight_decay * w
        super().update(w, g, state)


class Nadam(Optimizer):
    r"""Nadam (Dozat, 2016): Adam with a Nesterov look-ahead on the first moment.

    A momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12 \cdot 0.96^{\,t\psi})` with
    :math:`\psi` = ``momentum_decay``, and :math:`\Pi_t = \prod_{i\le t} \mu_i`:

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        w \leftarrow w - \eta\Big(\frac{(1-\mu_t)\, g}{1-\Pi_t} + \frac{\mu_{t+1}\, m}{1-\Pi_{t+1}}\Big)
        \Big/ \Big(\sqrt{\tfrac{v}{1-\beta_2^t}} + \epsilon\Big)

    PyTorch ``NAdam``: ``momentum_decay=0.004`` (the paper's :math:`0.96^{t/250}`). Keras ``Nadam``
    hard-codes :math:`0.96^{t}`, i.e. ``momentum_decay=1.0``; the update is otherwise the same.

    ``formulation="keras"`` (needs ``momentum_decay=1.0``) also reproduces a rounding in Keras 3:
    its ``update_step`` computes :math:`\mu_t, \mu_{t+1}` with ``ops.cast(0.96, float64)``, which passes
    through float32 (0.9599999785...), while its running product :math:`\Pi_t` uses the exact 0.96.
    The difference is in the 8th digit; the default ``"torch"`` uses 0.96 everywhere.
    """

    KERAS_DECAY = 0.9599999785423279  # float(np.float32(0.96))

    def __init__(self, params, lr=0.002, beta_1=0.9, beta_2=0.999, eps=1e-8, momentum_decay=0.004, weight_decay=0.0,
                 formulation="torch"):
        super().__init__(params, lr, weight_decay)
        self.beta_1 = check_unit("Nadam", "beta_1", beta_1)
        self.beta_2 = check_unit("Nadam", "beta_2", beta_2)
        self.eps = check_positive("Nadam", "eps", eps)
        self.momentum_decay = check_positive("Nadam", "momentum_decay", momentum_decay)
        if formulation not in FORMULATIONS:
            raise ValueError(f"Nadam: formulation must be one of {FORMULATIONS}, got {formulation!r}")
        if formulation == "keras" and self.momentum_decay != 1.0:
            raise ValueError(f"Nadam: formulation='keras' uses 0.96**t, so momentum_decay must be 1.0, got {momentum_decay}")
        self.formulation = formulation
        self.mu_product = 1.0

    def mu(self, t, base=0.96):
        """The momentum schedule :math:`\\mu_t = \\beta_1 (1 - 0.5 \\cdot 0.96^{t\\psi})`."""
        return self.beta_1 * (1.0 - 0.5 * base ** (t * self.momentum_decay))

    def step(self, grads):
        self.check_gradients(grads)
        self.mu_product *= self.mu(self.t + 1)  # Pi_t, shared by all parameters
        super().step(grads)

    def update(self, w, g, state):
        xp = namespace(w)
        b1, b2, t = self.beta_1, self.beta_2, self.t
        base = self.KERAS_DECAY if self.formulation == "keras" else 0.96
        mu, mu_next = self.mu(t, base), self.mu(t + 1, base)
        m = state.setdefault("m", xp.zeros_like(w))
        v = state.setdefault("v", xp.zeros_like(w))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * (g * g)
        denom = xp.sqrt(v / (1 - b2**t)) + self.eps
        w -= self.lr * (1 - mu) / (1 - self.mu_product) * g / denom
        w -= self.lr * mu_next / (1 - self.mu_product * mu_next) * m / denom

    def hyperparameters(self):
        return {**super().hyperparameters(), "beta_1": self.beta_1, "beta_2": self.beta_2, "eps": self.eps,
                "momentum_decay": self.momentum_decay, "formulation": self.formulation}
