"""Accuracy targets of the MNIST chapter, with the settings it chooses on validation.

784-16-16-10 reaches at least 94% test accuracy in 5 epochs, 784-64-64-10 at least
96.5%, each as the mean over three random seeds, trained in float64 on all 60,000
training images with plain SGD: batch 10 and learning rate 0.03 for the narrow network,
batch 32 and learning rate 0.1 for the wide one. The chapter chooses those rates on the
validation split (its stored, compared output shows the choice); this test fixes them.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from mlplib import Sequential, optim, training
from mlplib.datasets import load_mnist

CE = "categorical_cross_entropy"
SEEDS = (0, 1, 2)
SETUPS = {  # sizes, batch size, learning rate chosen on validation, target
    "narrow": ([784, 16, 16, 10], 10, 0.03, 0.94),
    "wide": ([784, 64, 64, 10], 32, 0.1, 0.965),
}


@pytest.fixture(scope="module")
def mnist():
    (x, t), (x_test, t_test) = load_mnist()
    return (x.reshape(len(x), -1) / 255.0, t), (x_test.reshape(-1, 784) / 255.0, t_test)


def trained(sizes, lr, batch, seed, X, t):
    acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
    net = Sequential.from_sizes(sizes, acts, seed=seed, dtype=np.float64)
    opt = optim.SGD(net.parameters(), lr=lr)
    training.fit(
        net, X, t, CE, opt, epochs=5, batch_size=batch, seed=seed, progress=False
    )
    return net


@pytest.mark.slow
@pytest.mark.parametrize("name", SETUPS)
def test_mean_test_accuracy_over_three_seeds_reaches_the_target(mnist, name):
    (X, t), (X_test, t_test) = mnist
    sizes, batch, lr, target = SETUPS[name]
    with threadpool_limits(1):  # small products: one BLAS thread is fastest
        nets = [trained(sizes, lr, batch, seed, X, t) for seed in SEEDS]
    accs = [training.evaluate(net, X_test, t_test, CE)["accuracy"] for net in nets]
    assert np.mean(accs) >= target, (name, accs)
    assert min(accs) >= target - 0.01, (name, accs)  # no seed far below the mean
