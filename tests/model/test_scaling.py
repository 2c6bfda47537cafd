"""Scalers: fitted on the training rows only, stored as plain arrays, and inverted exactly."""

import numpy as np
import pytest
from helpers import raises_said, said

from rnncli.errors import ConfigError, DataError
from rnncli.model import scaling
from rnncli.model.windows import make_windows, split_windows, train_rows

FEATURES, TARGETS = (0, 2), (1,)  # the target (column 1) is deliberately not a feature


def random_series(n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)) * [1.0, 5.0, 0.1] + [0.0, 100.0, -3.0]


def trending_series(n: int = 60) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return np.column_stack([0.5 * t + np.sin(t), 2.0 * t**1.5 + 10.0 * np.cos(t / 3), -t])


def frame(kind, data, past=4, future=3, feature_idx=FEATURES, target_idx=TARGETS):
    """Raw windows for `kind`: Xraw (S, L, F), Yraw (S, Q, K), Tpast (S, L, K); L = lookback(kind, past)."""
    L = scaling.lookback(kind, past)
    Xraw, Yraw = make_windows(data, L, future, feature_idx, target_idx)
    Tpast, _ = make_windows(data, L, future, target_idx, target_idx)
    return Xraw, Yraw, Tpast


# -- kinds ------------------------------------------------------------------------------


def test_the_seven_kinds():
    assert scaling.KINDS == ("none", "minmax", "standard", "window", "diff", "level", "seasonal")


@pytest.mark.parametrize("kind", scaling.KINDS)
def test_only_diff_looks_back_one_row_more_than_past(kind):
    assert scaling.lookback(kind, 12) == (13 if kind == "diff" else 12)


def test_unknown_kind_is_a_config_error_listing_the_choices():
    with pytest.raises(ConfigError) as excinfo:
        scaling.fit("auto", random_series(), FEATURES, TARGETS)

    assert said(excinfo.value) == ("unknown --scale 'auto'; choose one of none, minmax, standard, window, "
                                  "diff, level, seasonal")


@pytest.mark.parametrize("kind", scaling.KINDS)
def test_a_scaler_is_plain_data(kind):
    scaler = scaling.fit(kind, random_series(), FEATURES, TARGETS)

    assert scaler["kind"] == kind
    for key, value in scaler.items():
        if key != "kind":
            assert type(value) is np.ndarray, key
            assert value.dtype == np.float64, key


# -- exact inverse ----------------------------------------------------------------------


@pytest.mark.parametrize("series", [random_series, trending_series])
@pytest.mark.parametrize("kind", scaling.KINDS)
def test_decode_inverts_encode(kind, series):
    data = series()
    scaler = scaling.fit(kind, data[:40], FEATURES, TARGETS)
    Xraw, Yraw, Tpast = frame(kind, data)

    _, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)

    # float64 rounding is relative to the size of the values (diff also sums up to `future` steps)
    atol = 1e-12 * np.abs(data).max()
    np.testing.assert_allclose(scaling.decode(scaler, Y, ctx), Yraw, rtol=1e-12, atol=atol)


@pytest.mark.parametrize("kind", scaling.KINDS)
def test_encode_without_targets_gives_the_same_inputs_and_context(kind):
    data = trending_series()
    scaler = scaling.fit(kind, data[:40], FEATURES, TARGETS)
    Xraw, Yraw, Tpast = frame(kind, data)

    X_fit, _, ctx_fit = scaling.encode(scaler, Xraw, Yraw, Tpast)
    X, Y, ctx = scaling.encode(scaler, Xraw, None, Tpast)

    assert Y is None
    np.testing.assert_array_equal(X, X_fit)
    assert ctx.keys() == ctx_fit.keys()
    for key in ctx:
        np.testing.assert_array_equal(ctx[key], ctx_fit[key])


@pytest.mark.parametrize("kind", scaling.KINDS)
def test_encoded_inputs_have_past_steps(kind):
    Xraw, Yraw, Tpast = frame(kind, random_series(), past=4, future=3)
    scaler = scaling.fit(kind, random_series(), FEATURES, TARGETS)

    X, Y, _ = scaling.encode(scaler, Xraw, Yraw, Tpast)

    assert X.shape == (len(Xraw), 4, 2)
    assert Y.shape == (len(Xraw), 3, 1)


@pytest.mark.parametrize("kind", ["window", "diff"])
def test_window_and_diff_need_the_targets_past(kind):
    Xraw, Yraw, _ = frame(kind, random_series())
    scaler = scaling.fit(kind, random_series(), FEATURES, TARGETS)

    with pytest.raises(ValueError, match="needs Tpast"):
        scaling.encode(scaler, Xraw, Yraw)


# -- fitted on the training rows only -----------------------------------------------------


def test_minmax_maps_the_training_rows_onto_exactly_0_to_1():
    rows = random_series()[:40]
    scaler = scaling.fit("minmax", rows, FEATURES, TARGETS)

    X, Y, _ = scaling.encode(scaler, rows[None, :, FEATURES], rows[None, :, TARGETS])

    for scaled in (X, Y):
        assert scaled.min(axis=(0, 1)).tolist() == [0.0] * scaled.shape[2]
        assert scaled.max(axis=(0, 1)).tolist() == [1.0] * scaled.shape[2]


def test_standard_gives_the_training_rows_mean_0_and_std_1():
    rows = trending_series()[:40]
    scaler = scaling.fit("standard", rows, FEATURES, TARGETS)

    X, _, _ = scaling.encode(scaler, rows[None, :, FEATURES])

    np.testing.assert_allclose(X.mean(axis=(0, 1)), 0.0, atol=1e-14)
    np.testing.assert_allclose(X.std(axis=(0, 1)), 1.0, rtol=1e-14)


@pytest.mark.parametrize("kind", ["minmax", "standard", "diff"])
def test_a_value_after_the_training_rows_does_not_change_the_scaler(kind):
    data = trending_series()
    past, future = 4, 3
    S = len(data) - scaling.lookback(kind, past) - future + 1
    train, _ = split_windows(S, val_frac=0.2, future=future)
    n = train_rows(train, scaling.lookback(kind, past), future)
    spiked = data.copy()
    spiked[n] = 1e6  # the first validation target row

    scaler = scaling.fit(kind, data[:n], FEATURES, TARGETS)
    same = scaling.fit(kind, spiked[:n], FEATURES, TARGETS)
    with_spike = scaling.fit(kind, spiked[: n + 1], FEATURES, TARGETS)

    for key in ("x_shift", "x_scale", "y_shift", "y_scale"):
        np.testing.assert_array_equal(same[key], scaler[key])
    assert not np.array_equal(with_spike["y_scale"], scaler["y_scale"])  # it would have leaked


def test_diff_needs_two_training_rows():
    with pytest.raises(DataError, match="the diff scaler needs at least 2 training rows; got 1"):
        scaling.fit("diff", random_series()[:1], FEATURES, TARGETS)


def test_nan_in_a_used_training_column_is_a_data_error():
    rows = random_series()
    rows[5, 2] = np.nan

    with pytest.raises(DataError, match=r"NaN or infinite values in column\(s\) \[2\]"):
        scaling.fit("minmax", rows, FEATURES, TARGETS)


# -- diff: hand-computed -----------------------------------------------------------------

LEVELS = np.array([[1.0], [2.0], [4.0], [7.0], [11.0], [16.0]])  # first differences 1 2 3 4 5


def test_diff_fits_the_range_of_the_first_differences():
    scaler = scaling.fit("diff", LEVELS, [0], [0])

    assert scaler["y_shift"].tolist() == [1.0]  # smallest difference
    assert scaler["y_scale"].tolist() == [4.0]  # 5 - 1


def test_diff_encodes_steps_from_the_last_observed_level():
    scaler = scaling.fit("diff", LEVELS, [0], [0])
    Xraw, Yraw, Tpast = frame("diff", LEVELS, past=2, future=2, feature_idx=[0], target_idx=[0])

    X, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)

    # window 0: rows 1 2 4 -> differences 1 2;  targets 7 11 from the last level 4 -> steps 3 4
    # window 1: rows 2 4 7 -> differences 2 3;  targets 11 16 from the last level 7 -> steps 4 5
    # each scaled as (d - 1) / 4
    np.testing.assert_array_equal(X[:, :, 0], [[0.0, 0.25], [0.25, 0.5]])
    np.testing.assert_array_equal(Y[:, :, 0], [[0.5, 0.75], [0.75, 1.0]])
    np.testing.assert_array_equal(ctx["last"], [[4.0], [7.0]])


def test_diff_decode_integrates_from_the_last_level():
    scaler = scaling.fit("diff", LEVELS, [0], [0])  # steps d = 1 + 4 z
    Yhat = np.array([[[0.0], [0.5], [1.0]]])  # steps 1, 3, 5

    Y = scaling.decode(scaler, Yhat, {"last": np.array([[10.0]])})

    np.testing.assert_array_equal(Y[:, :, 0], [[11.0, 14.0, 19.0]])


# -- window: each window by its own statistics ---------------------------------------------


def test_window_scales_each_input_window_to_mean_0_and_std_1_per_column():
    Xraw, Yraw, Tpast = frame("window", trending_series(), past=6)
    scaler = scaling.fit("window", trending_series(), FEATURES, TARGETS)

    X, _, _ = scaling.encode(scaler, Xraw, Yraw, Tpast)

    np.testing.assert_allclose(X.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=1), 1.0, rtol=1e-12)


def test_window_scales_targets_by_their_own_past():
    data = np.array([[1.0], [3.0], [4.0], [0.0]])  # past 1 3: mean 2, std 1
    scaler = scaling.fit("window", data, [0], [0])
    Xraw, Yraw, Tpast = frame("window", data, past=2, future=2, feature_idx=[0], target_idx=[0])

    X, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)

    np.testing.assert_array_equal(X[:, :, 0], [[-1.0, 1.0]])
    np.testing.assert_array_equal(Y[:, :, 0], [[2.0, -2.0]])
    np.testing.assert_array_equal(ctx["mean"], [[2.0]])
    np.testing.assert_array_equal(ctx["std"], [[1.0]])


# -- constant columns ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", scaling.KINDS)
def test_constant_columns_scale_to_finite_values_and_invert(kind):
    data = random_series()
    data[:, 1] = 123.456  # the target: over 40 rows its mean is off by rounding and its std is 1.4e-14
    data[:, 2] = 7.0  # a feature
    scaler = scaling.fit(kind, data[:40], FEATURES, TARGETS)
    Xraw, Yraw, Tpast = frame(kind, data)

    X, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)

    assert np.isfinite(X).all()
    assert np.isfinite(Y).all()
    np.testing.assert_allclose(scaling.decode(scaler, Y, ctx), Yraw, rtol=1e-12)


@pytest.mark.parametrize("kind", ["minmax", "standard", "window", "diff"])
def test_a_constant_column_scales_to_zero_not_to_amplified_rounding_noise(kind):
    data = random_series()
    data[:, 1] = 123.456  # the target; its std over 40 rows is rounding noise, 1.4e-14
    data[:, 2] = 7.0  # the second feature
    scaler = scaling.fit(kind, data[:40], FEATURES, TARGETS)
    Xraw, Yraw, Tpast = frame(kind, data)

    X, Y, _ = scaling.encode(scaler, Xraw, Yraw, Tpast)

    assert np.abs(X[:, :, 1]).max() <= 1e-12
    assert np.abs(Y).max() <= 1e-12


# -- level and seasonal: anchored on the (seasonal) naive forecast ---------------------------------

SEASONAL = np.array([[1.0], [5.0], [2.0], [6.0], [3.0], [7.0], [4.0], [8.0]])  # season 2, +1 a season


def test_the_reference_is_the_seasonal_naive_forecast_from_inside_the_window():
    Tpast = SEASONAL[None, :4]  # rows 1 5 2 6
    np.testing.assert_array_equal(scaling.reference(Tpast, 3, 1)[0, :, 0], [6.0, 6.0, 6.0])
    np.testing.assert_array_equal(scaling.reference(Tpast, 3, 2)[0, :, 0], [2.0, 6.0, 2.0])


def test_the_reference_with_drift_adds_the_mean_change_of_whole_seasons():
    Tpast = SEASONAL[None, :5]  # rows 1 5 2 6 3: k = 2 floor(4 / 2) = 4 rows, d = (3 - 1) / 4 per step
    np.testing.assert_array_equal(scaling.reference(Tpast, 3, 2, drift=True)[0, :, 0], [7.0, 4.0, 8.0])
    np.testing.assert_array_equal(scaling.reference(SEASONAL[None, :3], 2, 1, drift=True)[0, :, 0],
                                  [2.5, 3.0])


def test_a_window_shorter_than_the_season_is_a_data_error():
    with raises_said(DataError, match=r"needs --past >= the season \(4\); got --past 3"):
        scaling.reference(SEASONAL[None, :3], 2, 4)


@pytest.mark.parametrize(("kind", "season"), [("level", 1), ("seasonal", 2)])
def test_a_zero_output_decodes_to_the_anchor(kind, season):
    scaler = scaling.fit(kind, SEASONAL, [0], [0], season=season)
    Xraw, Yraw, Tpast = frame(kind, SEASONAL, past=4, future=2, feature_idx=[0], target_idx=[0])
    X, Y, ctx = scaling.encode(scaler, Xraw, Yraw, Tpast)
    y0 = scaling.decode(scaler, np.zeros_like(Y), ctx)
    np.testing.assert_array_equal(y0, scaling.reference(Tpast, 2, season if kind == "seasonal" else 1))
    np.testing.assert_array_equal(X[:, -1, :], 0.0)  # inputs are relative to the window's last row


def test_seasonal_differencing_of_a_seasonal_series_with_a_steady_rise_is_constant():
    scaler = scaling.fit("seasonal", SEASONAL, [0], [0], season=2)
    Xraw, Yraw, Tpast = frame("seasonal", SEASONAL, past=4, future=2, feature_idx=[0], target_idx=[0])
    _, Y, _ = scaling.encode(scaler, Xraw, Yraw, Tpast)
    # y(t) - y(t - 2) = 1 everywhere; the scale is the std of the 2-lag differences, floored to 1
    np.testing.assert_array_equal(Y, 1.0)
    assert scaler["season"].tolist() == [2.0]
    assert scaler["drift"].tolist() == [0.0]
