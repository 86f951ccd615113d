r"""Data-parallel training on ``torch.distributed``: p processes, one model, one batch.

Each of the :math:`p` processes (*ranks*) holds a full copy of the model and computes
the gradient of the mean loss over its own shard of the global batch. Because the mean
over the whole batch is the count-weighted mean of the shards' means,

.. math::

    \frac{\partial E_B}{\partial w}
    = \sum_{r=0}^{p-1} \frac{|B_r|}{|B|}\,\frac{\partial E_{B_r}}{\partial w},

one ``all_reduce`` (a sum over ranks) of the weighted gradients gives every rank the
gradient a single process would compute on the whole batch, and every rank then takes
the same optimizer step. :func:`fit` is that loop; after any number of steps its weights
equal those of :func:`mlplib.training.fit` with the same global ``batch_size`` and
``seed``.

Modules, one concept each:

* :mod:`~mlplib.distributed.shards`: splitting a batch (:func:`shard`), the
  size-weighted combination (:func:`combine_gradients`), :func:`scaled_lr`;
* :mod:`~mlplib.distributed.allreduce`: the ring, tree and reduce-broadcast schedules,
  their simulation and the values each rank sends;
* :mod:`~mlplib.distributed.cost`: the α–β time model, its fit to measured times;
* :mod:`~mlplib.distributed.collective`: rank, world size, :func:`allreduce_gradients`
  and :func:`check_same_shapes` inside a process group;
* :mod:`~mlplib.distributed.training`: the data-parallel :func:`fit`;
* :mod:`~mlplib.distributed.ddp`: PyTorch's ``DistributedDataParallel`` on the same
  shards (:func:`ddp_fit`), for comparison;
* :mod:`~mlplib.distributed.processes`: starting and supervising the processes from
  Python or a notebook (:class:`Cluster`), errors and timeouts;
* ``python -m torch.distributed.run ... -m mlplib.distributed`` (torchrun, the
  package's ``__main__``) for the same training from the command line.

Failures end the run with an error, never a hang: a :class:`Cluster` stops every rank as
soon as one fails and raises :class:`RankError` with that rank's traceback; a run that
takes longer than ``timeout`` seconds raises ``TimeoutError``; collectives time out too
(the process group's ``timeout``); ranks whose parameters or data sizes differ get a
:class:`~mlplib.errors.ShapeError` before the first gradient is exchanged.

torch is imported only by the functions that need it.
"""

from .allreduce import (
    ALGORITHMS,
    ring_schedule,
    schedule,
    simulate_allreduce,
    words_sent,
)
from .collective import allreduce_gradients, check_same_shapes, rank, world_size
from .cost import (
    allreduce_time,
    alpha_beta_table,
    fit_alpha_beta,
    measure_alpha_beta,
    time_allreduce,
)
from .ddp import ddp_fit
from .processes import THREAD_VARIABLES, Cluster, RankError
from .shards import combine_gradients, scaled_lr, shard
from .training import fit, fit_params, rank_gradients, synthetic_data

__all__ = [
    "ALGORITHMS",
    "THREAD_VARIABLES",
    "Cluster",
    "RankError",
    "allreduce_gradients",
    "allreduce_time",
    "alpha_beta_table",
    "check_same_shapes",
    "combine_gradients",
    "ddp_fit",
    "fit",
    "rank_gradients",
    "fit_alpha_beta",
    "fit_params",
    "measure_alpha_beta",
    "rank",
    "ring_schedule",
    "scaled_lr",
    "schedule",
    "shard",
    "simulate_allreduce",
    "synthetic_data",
    "time_allreduce",
    "words_sent",
    "world_size",
]
