"""The checks of :func:`mlplib.training.fit`, run once before the first step, and the
error that stops a diverging run."""

from .. import optim
from ..errors import NonFiniteError, check_finite, check_int, check_names, is_finite
from ..optim import Optimizer
from .metrics import classes


def check_fit(model, X, T, loss, optimizer, epochs, batch_size, val, schedule, cbs):
    """Every check of :func:`fit`, once; returns the converted arrays."""
    check_int(epochs, "epochs", "fit", minimum=0)
    check_int(batch_size, "batch_size", "fit")
    loss, X, T = model.check_data(loss, X, T, "fit")
    optimizer = check_optimizer(optimizer, model)
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise TypeError("fit: validation_data must be a pair (X_val, T_val)")
        _, X_val, T_val = model.check_data(loss, *val, "fit validation_data")
        val = (X_val, T_val, labels_of(T_val, loss))
    if schedule is not None and getattr(schedule, "opt", None) is not optimizer:
        raise ValueError(
            "fit: the schedule changes the learning rate of another optimizer; build "
            "it on the optimizer passed to fit"
        )
    if not all(callable(cb) for cb in cbs):
        raise TypeError("fit: callbacks must be functions f(epoch, logs)")
    check_parameters(model, "fit: before training")
    return loss, X, T, labels_of(T, loss), optimizer, val


def check_optimizer(optimizer, model):
    """An optimizer of this model's own parameter arrays (a name builds one)."""
    params = model.parameters()
    if isinstance(optimizer, str):
        return optim.get(optimizer, params)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "fit: optimizer must be an mlplib.optim optimizer or a name such as "
            f"'sgd', got {type(optimizer).__name__}"
        )
    check_names(optimizer.params, params, "the optimizer's parameter names", "fit")
    for name, p in params.items():
        if optimizer.params[name] is not p:
            raise ValueError(
                f"fit: the optimizer's parameter {name!r} is not this model's array "
                "(it was built on another model, or before the model's arrays were "
                "replaced); build it with model.parameters() of the model you train"
            )
    return optimizer


def check_parameters(model, where):
    """Every parameter of ``model`` is finite."""
    for name, p in model.parameters().items():
        check_finite(p, f"parameter {name!r}", where)


def labels_of(T, loss):
    """Class of each target row for a classification (cross-entropy) loss, else None."""
    return classes(T) if loss.fused_activation is not None else None


def diverged(err, model, optimizer, epoch, batch):
    """The error that stops :func:`fit`: where, what, and the likely cause."""
    bad = [n for n, p in model.parameters().items() if not is_finite(p)]
    cause = (
        f"; parameters {bad} became non-finite in the previous update" if bad else ""
    )
    return NonFiniteError(
        f"fit: epoch {epoch + 1}, batch {batch + 1}: {err}{cause}. Training diverged: "
        f"try a learning rate smaller than lr={optimizer.lr}"
    )
