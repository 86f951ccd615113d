"""The command line: train an MLP data-parallel under torchrun.

``python -m torch.distributed.run --nproc_per_node=2 -m mlplib.distributed --out w.npz``
starts two processes; torchrun sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and
``MASTER_PORT`` for each, and :func:`main` joins the group, trains with
:func:`~mlplib.distributed.fit` on synthetic data and saves rank 0's weights.
"""

import datetime

import numpy as np

from mlplib.distributed.collective import rank, world_size
from mlplib.distributed.training import fit, synthetic_data


def parse(argv=None):
    """The command-line arguments (``--help`` lists them)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sizes", default="784,16,16,10")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--out", required=True, help="file for rank 0's final weights (.npz)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Train an MLP data-parallel on synthetic data and save the final weights (rank 0).

    Run it with torchrun, which starts the processes and sets ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` for each.
    """
    import torch.distributed as dist

    from mlplib import optim
    from mlplib.model import Sequential

    args = parse(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=args.timeout))
    try:
        X, y = synthetic_data(args.samples, sizes, args.seed)
        acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
        model = Sequential.from_sizes(sizes, acts, seed=args.seed, dtype=np.float64)
        opt = optim.SGD(model.parameters(), lr=args.lr)
        fit(
            model,
            X,
            y,
            "categorical_cross_entropy",
            opt,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        if rank() == 0:
            np.savez(args.out, world_size=world_size(), **model.parameters())
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
