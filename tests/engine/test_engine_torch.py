"""The engine against PyTorch: the same weights give the same forecasts, loss and gradients.

The NumPy network is rebuilt as torch.nn.LSTM / torch.nn.RNN (batch_first, tanh) + torch.nn.Linear
on the last hidden state, with the weights copied in. torch keeps two biases per layer where
Keras and rnncli keep one: ours goes into bias_ih and bias_hh is zero, so our bias gradient is
compared with bias_ih's (bias_hh's is the same).
"""

import numpy as np
import pytest

from rnncli.engine.lstm import GATES, from_torch_order, to_torch_order
from rnncli.engine.network import Network

torch = pytest.importorskip("torch")

H, T, B, FUTURE, N_TARGETS = 5, 6, 4, 2, 2
# (cell, layers, n_features); one feature takes the engine's broadcast path for the input projection.
CASES = [("lstm", 1, 3), ("lstm", 2, 3), ("rnn", 1, 3), ("rnn", 2, 3), ("lstm", 2, 1), ("rnn", 2, 1)]
CASE_IDS = [f"{cell}-{layers}-layers-{f}-features" for cell, layers, f in CASES]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch's thread pool makes these tiny models 100x slower on a busy two-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_network(cell: str, layers: int, n_features: int, dtype: str = "float64", seed: int = 0):
    rng = np.random.default_rng(seed)
    net = Network(cell, n_features, H, layers, FUTURE, N_TARGETS, dtype=dtype).init(rng)
    net.flat += rng.normal(0.0, 0.3, size=net.n_params).astype(dtype)  # off the initial values
    X = rng.normal(size=(B, T, n_features)).astype(dtype)
    Y = rng.normal(size=(B, FUTURE, N_TARGETS)).astype(dtype)
    return net, X, Y


def torch_copy(net: Network):
    """torch modules (recurrent, head) holding `net`'s weights, in `net`'s dtype."""
    tdtype = getattr(torch, net.dtype.name)
    module = {"lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[net.cell]
    kwargs = {"nonlinearity": "tanh"} if net.cell == "rnn" else {}
    rec = module(net.n_features, net.hidden, num_layers=net.layers, batch_first=True, dtype=tdtype, **kwargs)
    head = torch.nn.Linear(net.hidden, net.future * net.n_targets, dtype=tdtype)
    with torch.no_grad():
        for k, p in enumerate(net.params[:-1]):
            if net.cell == "lstm":
                w_ih, w_hh, b = to_torch_order(p["U"]).T, to_torch_order(p["W"]).T, to_torch_order(p["b"])
            else:
                w_ih, w_hh, b = p["Wx"].T, p["Wh"].T, p["b"]
            getattr(rec, f"weight_ih_l{k}").copy_(torch.from_numpy(np.ascontiguousarray(w_ih)))
            getattr(rec, f"weight_hh_l{k}").copy_(torch.from_numpy(np.ascontiguousarray(w_hh)))
            getattr(rec, f"bias_ih_l{k}").copy_(torch.from_numpy(b.copy()))
            getattr(rec, f"bias_hh_l{k}").zero_()
        head.weight.copy_(torch.from_numpy(net.params[-1]["W"].T.copy()))
        head.bias.copy_(torch.from_numpy(net.params[-1]["b"].copy()))
    return rec, head


def torch_forecast(rec, head, X: np.ndarray, future: int, n_targets: int):
    out, _ = rec(torch.from_numpy(X))
    return head(out[:, -1]).reshape(-1, future, n_targets)


def torch_loss_and_grads(net: Network, X: np.ndarray, Y: np.ndarray):
    """torch's loss 1/2 sum (y_hat - y)^2 / B and its gradients, as NumPy arrays in rnncli's layout."""
    rec, head = torch_copy(net)
    y_hat = torch_forecast(rec, head, X, net.future, net.n_targets)
    loss = 0.5 * ((y_hat - torch.from_numpy(Y)) ** 2).sum() / X.shape[0]
    loss.backward()
    grads = []
    for k in range(net.layers):
        g_ih = getattr(rec, f"weight_ih_l{k}").grad.numpy().T
        g_hh = getattr(rec, f"weight_hh_l{k}").grad.numpy().T
        g_b = getattr(rec, f"bias_ih_l{k}").grad.numpy()
        if net.cell == "lstm":
            g_ih, g_hh, g_b = from_torch_order(g_ih), from_torch_order(g_hh), from_torch_order(g_b)
            grads.append({"U": g_ih, "W": g_hh, "b": g_b})
        else:
            grads.append({"Wx": g_ih, "Wh": g_hh, "b": g_b})
    grads.append({"W": head.weight.grad.numpy().T, "b": head.bias.grad.numpy()})
    return loss.item(), grads


def gradient_cases():
    for case, case_id in zip(CASES, CASE_IDS, strict=True):
        net, _, _ = make_network(*case)
        for k, params in enumerate(net.params):
            where = "head" if k == net.layers else f"layer{k}"
            for name in params:
                yield pytest.param(case, k, name, id=f"{case_id}-{where}-{name}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_forecasts_match_torch_in_float64(case):
    net, X, _ = make_network(*case)
    rec, head = torch_copy(net)
    expected = torch_forecast(rec, head, X, FUTURE, N_TARGETS).detach().numpy()
    np.testing.assert_allclose(net.predict(X), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_forecasts_match_torch_in_float32(case):
    net, X, _ = make_network(*case, dtype="float32")
    rec, head = torch_copy(net)
    expected = torch_forecast(rec, head, X, FUTURE, N_TARGETS).detach().numpy()
    assert net.predict(X).dtype == np.float32
    np.testing.assert_allclose(net.predict(X), expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loss_matches_torch(case):
    net, X, Y = make_network(*case)
    expected, _ = torch_loss_and_grads(net, X, Y)
    assert net.loss_and_grad(X, Y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("case", "layer", "name"), list(gradient_cases()))
def test_gradient_matches_torch(case, layer, name):
    net, X, Y = make_network(*case)
    _, expected = torch_loss_and_grads(net, X, Y)
    net.loss_and_grad(X, Y)
    np.testing.assert_allclose(net.grads[layer][name], expected[layer][name], rtol=1e-8, atol=1e-8)


# -- layout and parameter counts -------------------------------------------------------------


def test_gate_blocks_are_reordered_from_o_i_f_g_to_torch_i_f_g_o():
    labels = np.repeat(np.array(GATES), 2)  # ["o", "o", "i", "i", "f", "f", "g", "g"]
    assert to_torch_order(labels).tolist() == ["i", "i", "f", "f", "g", "g", "o", "o"]


def test_from_torch_order_undoes_to_torch_order_along_any_axis():
    a = np.arange(3 * 8).reshape(3, 8)
    assert np.array_equal(from_torch_order(to_torch_order(a, axis=1), axis=1), a)
    b = np.arange(8 * 3).reshape(8, 3)
    assert np.array_equal(from_torch_order(to_torch_order(b, axis=0), axis=0), b)


def test_lstm_400_parameter_count_is_the_keras_count():
    net = Network("lstm", n_features=1, hidden=400, layers=1, future=8, n_targets=1)
    assert net.n_params == 646408


def test_lstm_400_summary_rows_count_the_keras_parameters():
    net = Network("lstm", n_features=1, hidden=400, layers=1, future=8, n_targets=1)
    assert [count for _, _, count in net.summary()] == [643200, 3208]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_parameter_count_is_torchs_without_the_second_bias(case):
    net, _, _ = make_network(*case)
    rec, head = torch_copy(net)
    torch_total = sum(p.numel() for p in rec.parameters()) + sum(p.numel() for p in head.parameters())
    bias_hh = sum(getattr(rec, f"bias_hh_l{k}").numel() for k in range(net.layers))
    assert net.n_params == torch_total - bias_hh
