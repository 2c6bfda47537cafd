"""The engine's gradients against finite differences, and the optimiser update equations.

Every element of every parameter array is checked, in float64, for each cell with one and with
two recurrent layers, for a single time step, and for a single input feature (whose input-weight
gradient is a matrix-vector product). One hidden unit in three stacked layers gives the upper
layers a single feature that is a view into the layer below. The dense head is checked in every case.

Layers never expose dL/dx through the public API, so it is checked indirectly: in a two-layer
network the first layer's gradients are exact only if the second layer's dL/dx (its gradient
with respect to its input sequence, at every time step) is right.

The numerical derivative is the five-point central stencil

    f'(x) ~ (-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / (12 h),   h = 1e-4,

whose truncation error is O(h^4) and round-off about 1e-12: a plain two-point difference
leaves ~1e-10 of absolute noise, which fails a relative test on gradients of order 1e-6.
The relative error is

    rel = |analytic - numeric| / max(|analytic| + |numeric|, FLOOR),   FLOOR = 1e-4,

so for gradients much smaller than the floor the test bounds the absolute error by 1e-10
instead of dividing round-off noise by a near-zero gradient.
"""

import numpy as np
import pytest

from rnncli.engine.network import Network
from rnncli.engine.optim import SGD, Adam, clip_global_norm_

H_STEP = 1e-4
FLOOR = 1e-4
MAX_REL_ERROR = 1e-6

SIZES = {"n_features": 3, "hidden": 4, "past": 5, "batch": 3, "future": 2, "n_targets": 2}
CASES = {
    "lstm-1-layer": {"cell": "lstm", "layers": 1},
    "lstm-2-layers": {"cell": "lstm", "layers": 2},
    "rnn-1-layer": {"cell": "rnn", "layers": 1},
    "rnn-2-layers": {"cell": "rnn", "layers": 2},
    "lstm-single-step": {"cell": "lstm", "layers": 1, "past": 1},
    "rnn-single-step": {"cell": "rnn", "layers": 1, "past": 1},
    "lstm-one-feature": {"cell": "lstm", "layers": 2, "n_features": 1},
    "rnn-one-feature": {"cell": "rnn", "layers": 2, "n_features": 1},
    "lstm-one-unit-three-layers": {"cell": "lstm", "layers": 3, "hidden": 1},
    "rnn-one-unit-three-layers": {"cell": "rnn", "layers": 3, "hidden": 1},
    "lstm-single-step-two-layers": {"cell": "lstm", "layers": 2, "past": 1},
}


def make_problem(case: str, seed: int = 0):
    """A float64 network with weights moved off their initial values, and a batch of data."""
    spec = {**SIZES, **CASES[case]}
    rng = np.random.default_rng(seed)
    net = Network(spec["cell"], spec["n_features"], spec["hidden"], spec["layers"], spec["future"],
                  spec["n_targets"], dtype="float64").init(rng)
    # Perturb every weight so that no gate sits at its initial value (the forget-gate bias
    # starts at exactly 1, the other biases at 0) and every term of the backward pass matters.
    net.flat += rng.normal(0.0, 0.3, size=net.n_params)
    X = rng.normal(size=(spec["batch"], spec["past"], spec["n_features"]))
    Y = rng.normal(size=(spec["batch"], spec["future"], spec["n_targets"]))
    return net, X, Y


def numerical_gradient(net: Network, X, Y, param: np.ndarray) -> np.ndarray:
    """dL/dparam by the five-point stencil, one element at a time (param is a view into net.flat)."""
    grad = np.empty_like(param)
    flat_view = param.reshape(-1)
    for j in range(flat_view.size):
        x0 = flat_view[j]
        values = []
        for step in (2, 1, -1, -2):
            flat_view[j] = x0 + step * H_STEP
            values.append(net.loss_and_grad(X, Y))
        flat_view[j] = x0
        f2, f1, fm1, fm2 = values
        grad.reshape(-1)[j] = (-f2 + 8 * f1 - 8 * fm1 + fm2) / (12 * H_STEP)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    return np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), FLOOR)


def parameter_cases():
    """(case, layer index, parameter name) for every parameter array of every case."""
    for case in CASES:
        net, _, _ = make_problem(case)
        for k, params in enumerate(net.params):
            where = "head" if k == len(net.params) - 1 else f"layer{k}"
            for name in params:
                yield pytest.param(case, k, name, id=f"{case}-{where}-{name}")


@pytest.mark.parametrize(("case", "layer", "name"), list(parameter_cases()))
def test_gradient_matches_finite_differences(case, layer, name):
    net, X, Y = make_problem(case)
    net.loss_and_grad(X, Y)
    analytic = net.grads[layer][name].copy()  # every loss evaluation below overwrites grads
    numeric = numerical_gradient(net, X, Y, net.params[layer][name])
    rel = relative_error(analytic, numeric)
    assert rel.max() < MAX_REL_ERROR, f"worst element {np.unravel_index(rel.argmax(), rel.shape)}"


def test_gradients_are_not_trivially_zero():
    """Guards the check above: a perturbed network has gradients well above the floor."""
    net, X, Y = make_problem("lstm-2-layers")
    net.loss_and_grad(X, Y)
    for k, params in enumerate(net.grads):
        for name, grad in params.items():
            assert np.abs(grad).max() > 100 * FLOOR, (k, name)


def test_single_step_lstm_recurrent_weights_get_zero_gradient():
    net, X, Y = make_problem("lstm-single-step")
    net.loss_and_grad(X, Y)
    assert np.array_equal(net.grads[0]["W"], np.zeros_like(net.grads[0]["W"]))


def test_single_step_rnn_recurrent_weights_get_zero_gradient():
    net, X, Y = make_problem("rnn-single-step")
    net.loss_and_grad(X, Y)
    assert np.array_equal(net.grads[0]["Wh"], np.zeros_like(net.grads[0]["Wh"]))


def test_loss_is_half_the_summed_squared_error_over_the_batch():
    net, X, Y = make_problem("lstm-1-layer")
    err = net.predict(X) - Y
    assert net.loss_and_grad(X, Y) == pytest.approx(0.5 * np.sum(err**2) / len(X), rel=1e-12)


def test_gradients_are_overwritten_not_accumulated():
    net, X, Y = make_problem("rnn-2-layers")
    net.loss_and_grad(X, Y)
    first = net.grad_flat.copy()
    net.loss_and_grad(X, Y)
    assert np.array_equal(net.grad_flat, first)


# -- optimisers and clipping -----------------------------------------------------------------


def test_adam_matches_the_textbook_update_over_two_steps():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    p0 = np.array([0.5, -1.0, 2.0, 0.0])
    g1 = np.array([0.1, -2.0, 0.0, 3e-4])
    g2 = np.array([-0.3, 1.0, 0.5, 3e-4])

    # By hand: bias-corrected moments m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t),
    # p -= lr m_hat / (sqrt(v_hat) + eps_hat) with Keras's eps_hat = eps sqrt(1 - b2^t) inside.
    expected, m, v = p0.copy(), np.zeros(4), np.zeros(4)
    for t, g in enumerate((g1, g2), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected -= lr * m_hat / (np.sqrt(v_hat) + eps)

    adam = Adam(4, lr=lr, beta1=b1, beta2=b2, eps=eps, dtype=np.float64)
    p = p0.copy()
    adam.step(p, g1)
    adam.step(p, g2)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_each_weight_by_lr_against_its_gradient_sign():
    adam = Adam(3, lr=0.01, dtype=np.float64)
    p = np.zeros(3)
    adam.step(p, np.array([5.0, -0.2, 0.0]))
    np.testing.assert_allclose(p, [-0.01, 0.01, 0.0], rtol=1e-6)


def test_sgd_momentum_matches_the_hand_computed_update_over_two_steps():
    sgd = SGD(2, lr=0.1, momentum=0.9, dtype=np.float64)
    p = np.array([1.0, -1.0])
    sgd.step(p, np.array([2.0, -4.0]))  # u = -0.1 g = [-0.2, 0.4]
    np.testing.assert_allclose(p, [0.8, -0.6], rtol=1e-15)
    sgd.step(p, np.array([1.0, 0.0]))  # u = 0.9 [-0.2, 0.4] - 0.1 [1, 0] = [-0.28, 0.36]
    np.testing.assert_allclose(p, [0.52, -0.24], rtol=1e-14)


def test_clipping_scales_the_gradient_to_the_maximum_norm():
    g = np.array([3.0, -4.0, 12.0])  # norm 13
    clip_global_norm_(g, 6.5)
    assert np.linalg.norm(g) == pytest.approx(6.5, rel=1e-15)


def test_clipping_preserves_the_gradient_direction():
    g = np.array([3.0, -4.0, 12.0])
    clip_global_norm_(g, 6.5)
    np.testing.assert_allclose(g, [1.5, -2.0, 6.0], rtol=1e-15)


def test_clipping_returns_the_norm_before_clipping():
    assert clip_global_norm_(np.array([3.0, -4.0, 12.0]), 1.0) == pytest.approx(13.0, rel=1e-15)


def test_clipping_leaves_a_gradient_below_the_maximum_unchanged():
    g = np.array([3.0, -4.0, 12.0])
    clip_global_norm_(g, 13.5)
    assert np.array_equal(g, [3.0, -4.0, 12.0])


def test_clipping_with_no_maximum_is_a_no_op():
    g = np.array([3.0, -4.0, 12.0])
    assert clip_global_norm_(g, None) == pytest.approx(13.0, rel=1e-15)
    assert np.array_equal(g, [3.0, -4.0, 12.0])


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
@pytest.mark.parametrize("earlier_batch", [3, 5], ids=["same-shape", "other-shape"])
def test_gradients_do_not_depend_on_earlier_calls(cell, earlier_batch):
    fresh, X, Y = make_problem(f"{cell}-2-layers")
    fresh.loss_and_grad(X, Y)
    used, _, _ = make_problem(f"{cell}-2-layers")
    rng = np.random.default_rng(1)
    X_other = rng.normal(size=(earlier_batch, *X.shape[1:]))
    Y_other = rng.normal(size=(earlier_batch, *Y.shape[1:]))
    used.loss_and_grad(X_other, Y_other)
    used.loss_and_grad(X, Y)
    assert np.array_equal(used.grad_flat, fresh.grad_flat)
