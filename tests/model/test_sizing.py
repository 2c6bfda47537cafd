"""Size up front: option sets that clearly cannot fit in memory are refused with the estimate, before
anything is allocated; the estimate counts the network's weights exactly and cannot overflow."""

import numpy as np
import pytest
from helpers import said

from rnncli.engine.network import Network
from rnncli.errors import ConfigError
from rnncli.model import sizing
from rnncli.model.forecaster import Forecaster


@pytest.mark.parametrize(("cell", "features", "hidden", "layers", "future", "targets"),
                         [("lstm", 1, 8, 1, 3, 1), ("lstm", 3, 5, 2, 2, 2), ("rnn", 2, 7, 3, 4, 1)])
def test_n_params_is_the_networks_weight_count(cell, features, hidden, layers, future, targets):
    net = Network(cell, features, hidden, layers, future, targets)
    assert sizing.n_params(cell, features, hidden, layers, future, targets) == net.n_params


def test_the_estimate_of_a_huge_hidden_size_is_exact_python_arithmetic():
    need = sizing.training_bytes(n_rows=144, n_features=1, n_targets=1, past=7, future=3, hidden=10**10,
                                 layers=1, cell="lstm", batch_size=32, dtype="float32")
    assert need > 4 * 10**20 * 4 * 10  # 4 H^2 LSTM weights, 4 bytes, ten copies: no int64 wrap-around


def test_check_fits_names_the_estimate_and_the_machine():
    with pytest.raises(ConfigError) as info:
        sizing.check_fits(145 * 10**9, "training with --hidden 30000", "lower --hidden", available=25 * 10**9)
    assert str(info.value) == ("training with --hidden 30000 needs about 145 GB of memory, more than this "
                               "machine has (25 GB); lower --hidden")
    sizing.check_fits(10**9, "training", "lower --hidden", available=25 * 10**9)  # fits: no error


def test_a_hidden_size_beyond_the_machine_is_refused_before_any_allocation(monkeypatch):
    monkeypatch.setattr(sizing, "machine_bytes", lambda: 8 * 10**9)
    monkeypatch.setattr(Network, "__init__", lambda *a, **k: pytest.fail("a network was built"))
    model = Forecaster(past=6, future=3, hidden=30000, scale="minmax")
    with pytest.raises(ConfigError) as info:
        model.fit(np.sin(np.arange(144.0)))
    assert said(info.value) == (
        "training with --hidden 30000, --layers 1 and --past 6 on 144 rows needs about 144 GB of memory, "
        "more than this machine has (8 GB); lower --hidden, --layers or --past, or train on fewer rows")
    assert not hasattr(model, "network_")


def test_an_ordinary_model_is_not_refused():
    need = sizing.training_bytes(n_rows=100_000, n_features=4, n_targets=1, past=48, future=12, hidden=256,
                                 layers=2, cell="lstm", batch_size=32, dtype="float32")
    assert need < 2 * 10**9
