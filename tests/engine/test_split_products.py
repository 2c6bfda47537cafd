"""The layers' products split over two threads (`rnncli.threads.SplitProducts`) give the bits of the
whole products with one BLAS thread: the same weights after training, LSTM and RNN, float32 and
float64, two layers (so the products of dx and of the upper layer are split too)."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from rnncli.engine import products
from rnncli.engine.network import Network
from rnncli.engine.train import Trainer
from rnncli.threads import SPLIT_ALIGN, SplitProducts, blas_threads


class CountingSplit(SplitProducts):
    """A SplitProducts that counts the products it hands half of to its worker thread."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.handed = 0

    def _executor(self):
        self.handed += 1
        return super()._executor()


def train(cell, dtype, matmul, steps=6):
    """Weights after `steps` Adam steps on random windows (features 3, past 10, hidden 100, batch 16)."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(16 * steps, 10, 3)), rng.normal(size=(16 * steps, 4, 1))
    net = Network(cell, 3, 100, layers=2, future=4, dtype=dtype).init(np.random.default_rng(0))
    with threadpool_limits(1, user_api="blas"), products.using(matmul):
        Trainer(net, np.random.default_rng(1), batch_size=16, patience=0).fit(X, Y, epochs=1)
    return net.flat


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cell", ["lstm", "rnn"])
@pytest.mark.parametrize("pieces", [2, 3])
def test_split_products_give_the_weights_of_one_thread(cell, dtype, pieces):
    split = CountingSplit(pieces=pieces, min_flops=0)
    whole = train(cell, dtype, np.matmul)
    np.testing.assert_array_equal(train(cell, dtype, split), whole)
    assert split.handed > 0  # the products were split, not all computed whole


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows", [2 * SPLIT_ALIGN, 160, 401])
def test_a_split_product_is_the_whole_product_bit_for_bit(dtype, rows):
    rng = np.random.default_rng(rows)
    a = rng.normal(size=(rows, 70)).astype(dtype)
    b = rng.normal(size=(70, 50, 16)).astype(dtype)[:, 7]  # a strided step block, as the layers pass
    out = np.empty((rows, 16), dtype)
    with threadpool_limits(1, user_api="blas"):
        SplitProducts(min_flops=0)(a, b, out=out)
        np.testing.assert_array_equal(out, a @ b)
        vector = np.empty(rows, dtype)
        SplitProducts(min_flops=0)(a, b[:, 0].copy(), out=vector)  # matrix-vector (db, dU of one feature)
        np.testing.assert_array_equal(vector, a @ b[:, 0])


def test_small_products_are_not_handed_to_the_worker():
    split = CountingSplit()  # the default minimum size
    a, b, out = np.ones((2 * SPLIT_ALIGN, 4)), np.ones((4, 3)), np.empty((2 * SPLIT_ALIGN, 3))
    split(a, b, out=out)
    np.testing.assert_array_equal(out, a @ b)
    split = CountingSplit(min_flops=0)
    a, out = np.ones((2 * SPLIT_ALIGN - 1, 4)), np.empty((2 * SPLIT_ALIGN - 1, 3))  # too few rows to cut
    split(a, b, out=out)
    assert split.handed == 0


def test_using_sets_the_product_function_and_restores_the_previous_one():
    split = SplitProducts()
    assert products.matmul is np.matmul
    with products.using(split):
        assert products.matmul is split
        with products.using(None):
            assert products.matmul is np.matmul
        assert products.matmul is split
    assert products.matmul is np.matmul


def test_blas_threads_split_runs_one_blas_thread_and_yields_the_splitter():
    with threadpool_limits(2, user_api="blas"):
        with blas_threads("split") as matmul:
            assert isinstance(matmul, SplitProducts)
            assert {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"} == {1}
        with blas_threads(1) as matmul:
            assert matmul is np.matmul
