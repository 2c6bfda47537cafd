"""The BLAS thread policy (`rnncli.threads`) and its use by `Forecaster`.

Which count wins (argument, RNNCLI_THREADS, the user's BLAS variables, the rule), the rule at the
sizes people train, that a `with` block sets and restores the count, and that training with a
fixed count is bit-identical whatever the count outside it.
"""

from pathlib import Path

import numpy as np
import pytest
from helpers import raises_said
from threadpoolctl import threadpool_info, threadpool_limits

from rnncli import Forecaster, read_csv
from rnncli.errors import ConfigError
from rnncli.threads import (
    AUTO_MIN_FLOPS,
    BLAS_ENV,
    ENV,
    SPLIT,
    SplitProducts,
    auto_threads,
    blas_threads,
    check,
    product_flops,
    resolve,
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
SHAPES = {"hidden": 64, "batch": 32, "features": 1, "past": 12, "layers": 1}


@pytest.fixture
def clean_env(monkeypatch):
    """No RNNCLI_THREADS and no BLAS thread variables, whatever the shell running the tests set."""
    for name in (ENV, *BLAS_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def blas_counts() -> set:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_small_networks_get_one_thread():
    for hidden, batch, features in ((16, 16, 1), (64, 32, 1), (128, 64, 8)):  # configs D, B, C
        assert product_flops(hidden, batch, features) < AUTO_MIN_FLOPS
        assert auto_threads(hidden, batch, features, cores=2) == 1, (hidden, batch, features)


def test_a_product_above_the_threshold_gets_the_split_when_two_cores_are_there():
    for hidden, batch, features in ((400, 32, 1), (400, 128, 1), (800, 64, 8)):  # configs A, E, F
        assert product_flops(hidden, batch, features) >= AUTO_MIN_FLOPS
        assert auto_threads(hidden, batch, features, cores=2) == SPLIT, (hidden, batch, features)
        assert auto_threads(hidden, batch, features, cores=8) == SPLIT
        assert auto_threads(hidden, batch, features, cores=1) == 1


def test_product_flops_counts_the_gates_and_the_folded_input():
    assert product_flops(10, 3, features=2) == 2 * 40 * (2 + 1 + 10) * 3
    assert product_flops(10, 3, features=20, cell="rnn") == 2 * 10 * (20 + 1 + 10) * 3
    assert product_flops(10, 3, features=2, layers=2) == 2 * 40 * (10 + 1 + 10) * 3  # the upper layer


def test_an_explicit_count_wins_over_every_variable(clean_env):
    clean_env.setenv(ENV, "1")
    clean_env.setenv("OPENBLAS_NUM_THREADS", "1")
    assert resolve(2, **SHAPES) == 2
    assert resolve("3", **SHAPES) == 3


def test_rnncli_threads_wins_over_the_blas_variables(clean_env):
    clean_env.setenv(ENV, "2")
    clean_env.setenv("OMP_NUM_THREADS", "1")
    assert resolve("auto", **SHAPES) == 2


@pytest.mark.parametrize("name", BLAS_ENV)
def test_a_blas_variable_from_the_user_leaves_blas_alone(clean_env, name):
    clean_env.setenv(name, "2")
    assert resolve("auto", **SHAPES) is None


def test_auto_everywhere_applies_the_rule(clean_env):
    clean_env.setenv(ENV, "auto")
    assert resolve("auto", **SHAPES) == 1


@pytest.mark.parametrize("bad", [0, -1, "two", 1.5, True, ""])
def test_a_bad_count_names_the_option(bad):
    with raises_said(ConfigError, match=r"^--threads must be a number of threads >= 1 or auto, got "):
        check(bad)


def test_a_bad_environment_value_names_the_variable(clean_env):
    clean_env.setenv(ENV, "many")
    with pytest.raises(ConfigError, match=r"^RNNCLI_THREADS must be a number of threads >= 1 or auto, "
                                          r"got 'many'"):
        resolve("auto", **SHAPES)


def test_blas_threads_sets_the_count_and_restores_it():
    with threadpool_limits(2, user_api="blas"):
        before = blas_counts()
        with blas_threads(1):
            assert blas_counts() == {1}
        assert blas_counts() == before
        with blas_threads(None):
            assert blas_counts() == before


def test_fit_with_a_fixed_count_is_bit_identical_whatever_the_count_outside(clean_env):
    series = read_csv(SAMPLES / "airline.csv")
    options = {"hidden": 8, "epochs": 3, "scale": "minmax"}
    with threadpool_limits(1, user_api="blas"):
        a = Forecaster(6, 3, **options).fit(series, threads=2)
    with threadpool_limits(2, user_api="blas"):
        b = Forecaster(6, 3, **options).fit(series, threads=2)
    np.testing.assert_array_equal(a.network_.flat, b.network_.flat)
    assert blas_counts() != set()


def test_forecaster_methods_reject_a_bad_count():
    series = read_csv(SAMPLES / "airline.csv")
    model = Forecaster(6, 3, hidden=4, epochs=1, scale="minmax")
    with raises_said(ConfigError, match="--threads"):
        model.fit(series, threads=0)
    model.fit(series)
    with raises_said(ConfigError, match="--threads"):
        model.predict(threads="x")
    with raises_said(ConfigError, match="--threads"):
        model.evaluate(series, threads=-2)


def test_auto_splits_large_products_and_gives_the_weights_of_one_thread(clean_env, monkeypatch):
    calls = []
    split_call = SplitProducts.__call__

    def counting(self, a, b, out):
        calls.append(a.shape)
        return split_call(self, a, b, out)

    monkeypatch.setattr(SplitProducts, "__call__", counting)
    series = read_csv(SAMPLES / "airline.csv")
    options = {"hidden": 200, "batch_size": 64, "epochs": 2, "scale": "minmax"}
    assert resolve("auto", hidden=200, batch=64, features=1, past=12) == SPLIT
    split = Forecaster(12, 3, **options).fit(series)
    assert calls  # the layers' products went through the split
    n = len(calls)
    one = Forecaster(12, 3, **options).fit(series, threads=1)
    assert len(calls) == n  # an explicit count does not split
    np.testing.assert_array_equal(split.network_.flat, one.network_.flat)
    assert blas_counts() != set()
