"""The fit loop: it learns, it is reproducible and resumable, it stops when asked, it survives NaN.

Also the Keras initialisation that training starts from.
"""

import math
import warnings

import numpy as np
import pytest

from rnncli.engine.lstm import GATES
from rnncli.engine.network import Network
from rnncli.engine.train import DivergenceError, Trainer

PAST, FUTURE = 24, 6


def windows(series: np.ndarray, past: int = PAST, future: int = FUTURE):
    """Every (past -> future) window of a 1-D series: X (S, past, 1), Y (S, future, 1)."""
    n = len(series) - past - future + 1
    X = np.stack([series[s : s + past] for s in range(n)])[:, :, None]
    Y = np.stack([series[s + past : s + past + future] for s in range(n)])[:, :, None]
    return X, Y


def noisy_sine(n: int = 600, period: float = 25.0, noise: float = 0.1, seed: int = 0):
    """Chronologically split windows of sin(2 pi t / period) + N(0, noise): 80% train, last 20% val."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    X, Y = windows(np.sin(2 * np.pi * t / period) + rng.normal(0.0, noise, n))
    split = int(0.8 * len(X))
    return X[:split], Y[:split], X[split:], Y[split:]


def rmse(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


def naive_last_value(X: np.ndarray) -> np.ndarray:
    """The last observed value, repeated over the horizon."""
    return np.repeat(X[:, -1:, :], FUTURE, axis=1)


def small_problem(seed: int = 0, past: int = 8, future: int = 2):
    """A tiny regression task for the loop mechanics: 80 training windows (batches of 32, 32, 16), 20 val."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, past, 1))
    Y = X[:, -future:, :] * 0.5 + rng.normal(0.0, 0.1, size=(100, future, 1))
    return X[:80], Y[:80], X[80:], Y[80:]


def tiny_network(seed: int = 0, cell: str = "lstm", dtype: str = "float32") -> Network:
    return Network(cell, n_features=1, hidden=6, layers=1, future=2, n_targets=1, dtype=dtype).init(
        np.random.default_rng(seed))


def train_tiny(net_seed: int, fit_seed: int, optimizer: str = "adam") -> Network:
    """Five epochs on `small_problem`, initialised from `net_seed` and shuffled from `fit_seed`."""
    X, Y, Xv, Yv = small_problem()
    net = tiny_network(net_seed)
    lr = 1e-2 if optimizer == "adam" else 1e-3
    trainer = Trainer(net, np.random.default_rng(fit_seed), optimizer=optimizer, lr=lr, patience=0)
    trainer.fit(X, Y, Xv, Yv, epochs=5)
    return net


# -- learning ----------------------------------------------------------------------------------


NOISE = 0.1


@pytest.fixture(scope="module", params=[("lstm", 1e-2), ("rnn", 3e-3)], ids=["lstm", "rnn"])
def sine_fit(request):
    """A 32-unit network trained on the noisy sine with early stopping, and its validation windows."""
    cell, lr = request.param
    X, Y, Xv, Yv = noisy_sine(noise=NOISE)
    net = Network(cell, n_features=1, hidden=32, layers=1, future=FUTURE, n_targets=1).init(
        np.random.default_rng(0))
    trainer = Trainer(net, np.random.default_rng(1), optimizer="adam", lr=lr, batch_size=32, patience=5)
    trainer.fit(X, Y, Xv, Yv, epochs=25)
    return net, Xv, Yv


@pytest.mark.slow
def test_learns_a_noisy_sine_to_half_the_naive_error(sine_fit):
    net, Xv, Yv = sine_fit
    assert rmse(net.predict(Xv), Yv) < 0.5 * rmse(naive_last_value(Xv), Yv)


@pytest.mark.slow
def test_learns_a_noisy_sine_down_to_near_the_noise_level(sine_fit):
    net, Xv, Yv = sine_fit
    assert rmse(net.predict(Xv), Yv) < 1.5 * NOISE  # the noise alone gives an RMSE of about 0.1


# -- reproducibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_same_seeds_give_bit_identical_weights(optimizer):
    first = train_tiny(0, 1, optimizer)
    second = train_tiny(0, 1, optimizer)
    assert np.array_equal(first.flat, second.flat)


def test_a_different_shuffling_seed_gives_different_weights():
    assert not np.array_equal(train_tiny(0, 1).flat, train_tiny(0, 2).flat)


def test_a_different_initialisation_seed_gives_different_weights():
    assert not np.array_equal(train_tiny(0, 1).flat, train_tiny(3, 1).flat)


def stop_after(batches: int):
    """A should_stop callable that says stop at its `batches`-th call; `.calls` counts the calls."""
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) == batches

    should_stop.calls = calls
    return should_stop


def resume(state: dict, seed: int = 99) -> tuple[Network, Trainer]:
    """A new network and trainer (other weights, other generator) continuing from `state`."""
    net = tiny_network(seed)
    trainer = Trainer(net, np.random.default_rng(seed), lr=1e-2, patience=0)
    trainer.load_state(state)
    return net, trainer


def test_resuming_from_state_gives_the_weights_of_an_uninterrupted_run():
    X, Y, Xv, Yv = small_problem()
    whole = tiny_network()
    Trainer(whole, np.random.default_rng(1), lr=1e-2, patience=0).fit(X, Y, Xv, Yv, epochs=6)

    first = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0)
    first.fit(X, Y, Xv, Yv, epochs=3)
    resumed, trainer = resume(first.state())
    history = trainer.fit(X, Y, Xv, Yv, epochs=6)
    assert history.epochs_run == 6
    assert np.array_equal(resumed.flat, whole.flat)


def test_resuming_after_an_epoch_that_did_not_improve_continues_from_the_last_weights():
    X, Y, Xv, Yv = small_problem()
    Yv = -Yv  # validation gets worse as training fits Y: epoch 1 stays the best
    whole = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0).fit(X, Y, Xv, Yv, epochs=6)

    first = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0)
    assert first.fit(X, Y, Xv, Yv, epochs=3).best_epoch == 1  # the case under test: epoch 3 was not the best
    _, trainer = resume(first.state())
    # Both runs end on the epoch-1 weights, so compare the paths: epochs 4 to 6 must be the same.
    assert trainer.fit(X, Y, Xv, Yv, epochs=6).train_msse == whole.train_msse


@pytest.mark.parametrize("batches", [5, 2])  # 3 batches per epoch: mid epoch 2, and mid epoch 1
def test_resuming_after_an_interruption_gives_the_weights_of_an_uninterrupted_run(batches):
    X, Y, Xv, Yv = small_problem()
    whole = tiny_network()
    Trainer(whole, np.random.default_rng(1), lr=1e-2, patience=0).fit(X, Y, Xv, Yv, epochs=6)

    first = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0)
    first.fit(X, Y, Xv, Yv, epochs=6, should_stop=stop_after(batches))
    resumed, trainer = resume(first.state())
    trainer.fit(X, Y, Xv, Yv, epochs=6)
    assert np.array_equal(resumed.flat, whole.flat)


def test_an_interrupt_in_the_first_epoch_keeps_the_weights_reached_so_far_validated():
    X, Y, Xv, Yv = small_problem()
    net = tiny_network()
    initial = net.flat.copy()
    trainer = Trainer(net, np.random.default_rng(1), lr=1e-2, patience=0)
    history = trainer.fit(X, Y, Xv, Yv, epochs=6, should_stop=stop_after(2))  # 2 of epoch 1's 3 batches
    assert history.stopped == "interrupted"
    assert history.epochs_run == 0
    assert history.best_epoch == 0
    assert not np.array_equal(net.flat, initial)
    assert history.best_msse == net.msse(Xv, Yv)
    assert np.array_equal(trainer.state()["best_flat"], net.flat)
    assert np.array_equal(trainer.state()["last_flat"], initial)  # a resume starts epoch 1 again


def test_load_state_rejects_another_optimizer():
    first = Trainer(tiny_network(), np.random.default_rng(1), optimizer="adam")
    other = Trainer(tiny_network(), np.random.default_rng(1), optimizer="sgd")
    with pytest.raises(ValueError, match="cannot resume a adam run with sgd"):
        other.load_state(first.state())


# -- early stopping and the callback -----------------------------------------------------------


def overfitting_run(patience: int = 3, epochs: int = 60):
    """Noise targets and a large step size: validation stops improving within a few epochs."""
    X, _, Xv, _ = small_problem()
    rng = np.random.default_rng(7)
    Y, Yv = rng.normal(size=(len(X), 2, 1)), rng.normal(size=(len(Xv), 2, 1))
    net = tiny_network(dtype="float64")
    trainer = Trainer(net, np.random.default_rng(1), lr=3e-2, batch_size=16, patience=patience)
    logs = []
    history = trainer.fit(X, Y, Xv, Yv, epochs=epochs, on_epoch=logs.append)
    return net, history, logs, Xv, Yv


def test_early_stopping_stops_patience_epochs_after_the_best():
    _, history, _, _, _ = overfitting_run(patience=3, epochs=60)
    assert history.stopped == "early"
    assert history.best_epoch == history.epochs_run - 3 < 60


def test_early_stopping_keeps_the_epoch_with_the_lowest_validation_error():
    _, history, _, _, _ = overfitting_run()
    assert history.best_epoch == int(np.argmin(history.val_msse)) + 1
    assert history.best_msse == min(history.val_msse)


def test_early_stopping_restores_the_best_weights():
    net, history, _, Xv, Yv = overfitting_run()
    assert history.best_epoch < history.epochs_run
    assert net.msse(Xv, Yv) == pytest.approx(history.best_msse, rel=1e-12)


def test_on_epoch_receives_every_epoch_in_order():
    _, history, logs, _, _ = overfitting_run()
    assert [log.epoch for log in logs] == list(range(1, history.epochs_run + 1))
    assert {log.epochs for log in logs} == {60}


def test_on_epoch_reports_the_losses_recorded_in_history():
    _, history, logs, _, _ = overfitting_run()
    assert [log.train_msse for log in logs] == history.train_msse
    assert [log.val_msse for log in logs] == history.val_msse


def test_the_last_epoch_log_carries_the_final_best():
    _, history, logs, _, _ = overfitting_run()
    assert (logs[-1].best_epoch, logs[-1].best_msse) == (history.best_epoch, history.best_msse)


def test_on_epoch_marks_exactly_the_epochs_that_improved():
    _, _, logs, _, _ = overfitting_run()
    val = [log.val_msse for log in logs]
    expected = [e == 0 or val[e] < min(val[:e]) for e in range(len(val))]
    assert [log.improved for log in logs] == expected


def test_should_stop_interrupts_between_batches():
    X, Y, Xv, Yv = small_problem()  # 80 windows: 3 batches of 32 or fewer per epoch
    should_stop = stop_after(5)
    trainer = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, batch_size=32, patience=0)
    history = trainer.fit(X, Y, Xv, Yv, epochs=10, should_stop=should_stop)
    assert history.stopped == "interrupted"
    assert len(should_stop.calls) == 5
    assert history.epochs_run == 1  # the interrupted second epoch is not recorded


# -- divergence --------------------------------------------------------------------------------


def diverging_trainer(net: Network) -> Trainer:
    """SGD with a step size of 1e6: the weights overflow float32 in the second epoch."""
    return Trainer(net, np.random.default_rng(1), optimizer="sgd", lr=1e6, patience=0)


def test_a_huge_learning_rate_raises_divergence_error():
    X, Y, Xv, Yv = small_problem()
    with pytest.raises(DivergenceError):
        diverging_trainer(tiny_network()).fit(X, Y, Xv, Yv, epochs=50)


def test_divergence_restores_the_best_weights_seen():
    X, Y, Xv, Yv = small_problem()
    net = tiny_network()
    best = [net.flat.copy()]  # before any improvement the best are the initial weights

    def keep_best(log):
        if log.improved:
            best.append(net.flat.copy())

    with pytest.raises(DivergenceError):
        diverging_trainer(net).fit(X, Y, Xv, Yv, epochs=50, on_epoch=keep_best)
    assert np.isfinite(net.flat).all()
    assert np.array_equal(net.flat, best[-1])


def test_divergence_emits_no_floating_point_warnings():
    """Overflow on the way to inf is detected by the loop's checks, not reported by numpy."""
    X, Y, Xv, Yv = small_problem()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DivergenceError):
            diverging_trainer(tiny_network()).fit(X, Y, Xv, Yv, epochs=50)
    assert [str(w.message) for w in caught] == []


def test_a_nan_in_the_data_raises_divergence_error_naming_the_loss():
    X, Y, Xv, Yv = small_problem()
    X[40, 3, 0] = np.nan
    trainer = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0)
    with pytest.raises(DivergenceError) as excinfo:
        trainer.fit(X, Y, Xv, Yv, epochs=5)
    assert (excinfo.value.epoch, excinfo.value.what) == (1, "loss")


def test_a_nan_in_the_data_leaves_the_initial_weights():
    X, Y, Xv, Yv = small_problem()
    X[40, 3, 0] = np.nan
    net = tiny_network()
    initial = net.flat.copy()
    trainer = Trainer(net, np.random.default_rng(1), lr=1e-2, patience=0)
    with pytest.raises(DivergenceError):
        trainer.fit(X, Y, Xv, Yv, epochs=5)
    assert np.array_equal(net.flat, initial)


# -- initialisation ----------------------------------------------------------------------------


def init_network(cell: str, n_features: int = 3, hidden: int = 16) -> Network:
    return Network(cell, n_features, hidden, layers=2, future=4, n_targets=2, dtype="float64").init(
        np.random.default_rng(0))


def gate_block(b: np.ndarray, gate: str) -> np.ndarray:
    hidden = len(b) // 4
    k = GATES.index(gate)
    return b[k * hidden : (k + 1) * hidden]


@pytest.mark.parametrize("layer", [0, 1])
def test_lstm_forget_gate_bias_starts_at_one(layer):
    b = init_network("lstm").params[layer]["b"]
    assert np.array_equal(gate_block(b, "f"), np.ones(16))


@pytest.mark.parametrize("gate", ["o", "i", "g"])
def test_lstm_other_gate_biases_start_at_zero(gate):
    b = init_network("lstm").params[0]["b"]
    assert np.array_equal(gate_block(b, gate), np.zeros(16))


@pytest.mark.parametrize("layer", [0, 1])
def test_lstm_recurrent_weights_start_semi_orthogonal(layer):
    W = init_network("lstm").params[layer]["W"]  # (H, 4H): orthonormal rows
    np.testing.assert_allclose(W @ W.T, np.eye(16), atol=1e-10)


@pytest.mark.parametrize("layer", [0, 1])
def test_rnn_recurrent_weights_start_orthogonal(layer):
    Wh = init_network("rnn").params[layer]["Wh"]
    np.testing.assert_allclose(Wh @ Wh.T, np.eye(16), atol=1e-10)


def test_rnn_biases_start_at_zero():
    net = init_network("rnn")
    assert all(np.array_equal(p["b"], np.zeros(16)) for p in net.params[:-1])


def test_dense_head_bias_starts_at_zero():
    assert np.array_equal(init_network("lstm").params[-1]["b"], np.zeros(8))


@pytest.mark.parametrize(("cell", "layer", "name"), [
    ("lstm", 0, "U"), ("lstm", 1, "U"), ("rnn", 0, "Wx"), ("rnn", 1, "Wx"), ("lstm", 2, "W"), ("rnn", 2, "W"),
])
def test_input_and_head_weights_fill_the_glorot_interval(cell, layer, name):
    w = init_network(cell).params[layer][name]
    fan_in, fan_out = w.shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.75 * limit  # uniform over the whole interval, not a narrower one
    assert abs(w.mean()) < 0.2 * limit


def test_initialisation_is_determined_by_the_generator():
    a, b = init_network("lstm"), init_network("lstm")
    assert np.array_equal(a.flat, b.flat)


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_the_validation_pass_gives_the_bits_of_msse_in_batches_and_again(cell, monkeypatch):
    rng = np.random.default_rng(3)
    net = Network(cell, n_features=2, hidden=5, layers=2, future=3, n_targets=2).init(rng)
    X, Y = rng.normal(size=(11, 4, 2)), rng.normal(size=(11, 3, 2)).astype(np.float32)
    monkeypatch.setattr(net, "predict_batch_size", lambda past: 3)  # 4 batches, the last one short
    out = np.empty_like(Y)
    first = net.msse_tm(net.time_major(X), Y, out)
    assert first == net.msse(X, Y)
    assert net.msse_tm(net.time_major(X), Y, out) == first  # the kept workspaces change nothing


# -- the step policy: a minimum before patience counts, a step budget, reduce-on-plateau -----------


def tiny_validation_run(min_steps: int, plateau: int = 0, max_steps: int | None = None):
    """Noise targets, one batch per epoch and 3 validation windows: validation stops improving at once."""
    X, _, Xv, _ = small_problem()
    rng = np.random.default_rng(7)
    X, Xv = X[:20], Xv[:3]
    Y, Yv = rng.normal(size=(len(X), 2, 1)), rng.normal(size=(len(Xv), 2, 1))
    trainer = Trainer(tiny_network(dtype="float64"), np.random.default_rng(1), lr=3e-2, patience=2,
                      min_steps=min_steps, max_steps=max_steps, plateau=plateau)
    return trainer, trainer.fit(X, Y, Xv, Yv, epochs=500)


def test_without_a_minimum_a_tiny_validation_set_stops_training_within_a_few_steps():
    _, history = tiny_validation_run(min_steps=0)
    assert history.stopped == "early"
    assert history.steps < 40  # the failure the minimum prevents


def test_a_tiny_validation_set_trains_past_the_minimum_number_of_steps():
    _, history = tiny_validation_run(min_steps=120)
    assert history.stopped == "early"
    assert history.steps >= 120
    assert history.epochs_run == history.steps  # one batch per epoch: it stopped at the first chance


def test_the_step_budget_ends_training_after_the_epoch_that_reaches_it():
    X, Y, Xv, Yv = small_problem()  # 3 batches per epoch
    trainer = Trainer(tiny_network(), np.random.default_rng(1), lr=1e-2, patience=0, max_steps=10)
    history = trainer.fit(X, Y, Xv, Yv, epochs=100)
    assert history.stopped == "step budget"
    assert (history.steps, history.epochs_run) == (12, 4)


def test_reduce_on_plateau_halves_the_learning_rate_after_plateau_epochs_without_improvement():
    trainer, history = tiny_validation_run(min_steps=120, plateau=5)
    best, wait, expected = math.inf, 0, []  # the rule, replayed on the recorded validation losses
    for epoch, v in enumerate(history.val_msse, start=1):
        if v < best:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= 5 and len(expected) < 4:
                expected.append(epoch)
                wait = 0
    assert history.lr_reductions == expected
    assert len(expected) >= 1
    assert trainer.optimizer.lr == pytest.approx(3e-2 * 0.5 ** len(history.lr_reductions))


def test_resuming_keeps_the_step_count_and_the_reduced_learning_rate():
    X, Y, Xv, Yv = small_problem()
    Yv = -Yv  # validation gets worse at once: the learning rate is reduced every 2 epochs
    kw = {"lr": 1e-2, "patience": 0, "plateau": 2}
    whole_net = tiny_network()
    whole = Trainer(whole_net, np.random.default_rng(1), **kw).fit(X, Y, Xv, Yv, epochs=8)

    first = Trainer(tiny_network(), np.random.default_rng(1), **kw)
    first.fit(X, Y, Xv, Yv, epochs=5, should_stop=None)
    net = tiny_network()
    trainer = Trainer(net, np.random.default_rng(1), **kw)
    trainer.load_state(first.state())
    history = trainer.fit(X, Y, Xv, Yv, epochs=8)
    assert whole.lr_reductions  # the case under test
    assert (history.steps, history.lr_reductions) == (whole.steps, whole.lr_reductions)
    assert np.array_equal(net.flat, whole_net.flat)


# -- on_batch ---------------------------------------------------------------------------------------


def test_on_batch_reports_every_batch_of_every_epoch_in_order():
    X, Y, Xv, Yv = small_problem()
    calls = []
    Trainer(tiny_network(), np.random.default_rng(0), batch_size=32).fit(
        X, Y, Xv, Yv, epochs=2, on_batch=lambda *a: calls.append(a))
    assert calls == [(1, 1, 3), (1, 2, 3), (1, 3, 3), (2, 1, 3), (2, 2, 3), (2, 3, 3)]


def test_on_batch_does_not_change_the_weights():
    X, Y, Xv, Yv = small_problem()
    with_cb, without = tiny_network(), tiny_network()
    Trainer(with_cb, np.random.default_rng(1)).fit(X, Y, Xv, Yv, epochs=2, on_batch=lambda *a: None)
    Trainer(without, np.random.default_rng(1)).fit(X, Y, Xv, Yv, epochs=2)
    assert with_cb.flat.tobytes() == without.flat.tobytes()
