"""The public Python API: `Forecaster`, `read_csv`, `save_model` and `load_model`.

Fit, forecast, intervals, backtests and scores; the plain-data round trip; determinism; the
scaling variants; the errors a caller can make; and resuming a run where it stopped.
Every model is tiny (a few hidden units, a few epochs): these tests are about the API's
behaviour, not about how well the network learns.
"""

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import raises_said, said

from rnncli import Forecaster, load_model, read_csv, save_model
from rnncli.errors import ConfigError, DataError, NonFiniteLossError
from rnncli.io.artifact import load

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
PAST, FUTURE = 6, 3
TINY = {"hidden": 4, "epochs": 3}
SEATTLE_FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]


@pytest.fixture(scope="module")
def airline():
    """sample_data/airline.csv: 144 monthly passenger counts, one column."""
    return read_csv(SAMPLES / "airline.csv")


@pytest.fixture(scope="module")
def sunspots():
    return read_csv(SAMPLES / "sunspots.csv")


@pytest.fixture(scope="module")
def model(airline) -> Forecaster:
    """A tiny min-max LSTM on airline.csv, past 6, future 3."""
    return Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY).fit(airline)


def with_values(series, values: np.ndarray):
    """The same Series (columns, time) holding other values."""
    return dataclasses.replace(series, values=values)


# -- fit and predict --------------------------------------------------------------------------------


def test_fit_returns_the_model_itself(airline):
    model = Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY)
    assert model.fit(airline) is model


def test_predict_gives_a_finite_value_per_future_step_and_target(model):
    forecast = model.predict()
    assert forecast.values.shape == (FUTURE, 1)
    assert np.isfinite(forecast.values).all()
    assert forecast.targets == ["passengers"]


def test_predict_without_data_continues_the_training_series(model, airline):
    assert np.array_equal(model.predict().values, model.predict(airline).values)


def test_predict_on_an_array_forecasts_from_its_last_past_rows(model, airline):
    head = airline.values[:100]
    assert np.array_equal(model.predict(head).values, model.predict(head[-PAST:]).values)


def test_predict_on_other_data_gives_another_forecast(model, airline):
    assert not np.array_equal(model.predict(airline.values[:100]).values, model.predict().values)


def test_predict_on_a_series_continues_after_its_end(model, airline):
    first_120 = read_csv(SAMPLES / "airline_train.csv")  # the first 120 rows of airline.csv
    assert np.array_equal(first_120.values, airline.values[:120])
    assert np.array_equal(model.predict(first_120).values, model.predict(airline.values[:120]).values)


# -- conformal intervals -------------------------------------------------------------------------------


def test_an_interval_brackets_the_forecast(model):
    forecast = model.predict(interval=0.9)
    assert forecast.level == 0.9
    assert (forecast.lower <= forecast.values).all()
    assert (forecast.values <= forecast.upper).all()


def test_the_interval_is_the_forecast_plus_and_minus_the_halfwidth(model):
    forecast = model.predict(interval=0.8)
    halfwidth = model.interval_halfwidth(0.8)
    assert np.array_equal(forecast.lower, forecast.values - halfwidth)
    assert np.array_equal(forecast.upper, forecast.values + halfwidth)


def test_a_95_percent_interval_is_wider_than_a_50_percent_one(model):
    wide, narrow = model.predict(interval=0.95), model.predict(interval=0.5)
    assert (wide.upper - wide.lower > narrow.upper - narrow.lower).all()


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9])
def test_the_halfwidth_is_the_ceil_n_plus_1_times_level_th_smallest_absolute_residual(level, model):
    residuals = model.val_residuals_  # (n validation windows, future, targets)
    n = len(residuals)
    k = math.ceil((n + 1) * level)
    assert 1 <= k <= n
    expected = np.array([[sorted(abs(float(r)) for r in residuals[:, h, t])[k - 1]
                          for t in range(residuals.shape[2])] for h in range(FUTURE)])
    assert np.array_equal(model.interval_halfwidth(level), expected)


@pytest.mark.parametrize(("level", "need"), [(0.97, 33), (0.99, 99), (0.999, 999)])
def test_a_level_the_residuals_cannot_support_is_refused_not_capped_at_the_largest(level, need, model):
    n = len(model.val_residuals_)
    assert math.ceil((n + 1) * level) > n
    assert n < need
    message = (f"the model has too few validation windows for --interval {level:g} (needs {need}); "
               "lower the level or train with a larger --val-frac")
    with pytest.raises(DataError) as raised:
        model.interval_halfwidth(level)
    assert said(raised.value) == message
    with pytest.raises(DataError) as raised:
        model.predict(interval=level)
    assert said(raised.value) == message


def test_the_largest_supported_level_uses_the_largest_residual(model):
    n = len(model.val_residuals_)
    level = n / (n + 1)
    assert math.ceil((n + 1) * level) == n
    assert np.array_equal(model.interval_halfwidth(level), np.abs(model.val_residuals_).max(axis=0))


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_an_interval_level_outside_0_1_names_the_flag(level, model):
    with raises_said(ConfigError, match=r"^--interval must be between 0 and 1"):
        model.interval_halfwidth(level)


# -- backtest and evaluate -----------------------------------------------------------------------------


def test_backtest_forecasts_from_every_origin_with_past_rows_of_history(model, airline):
    origins, y_hat = model.backtest(airline)
    n = len(airline.values)
    assert np.array_equal(origins, np.arange(PAST - 1, n))
    assert y_hat.shape == (n - PAST + 1, FUTURE, 1)


def test_a_backtest_forecast_is_the_forecast_from_the_data_up_to_its_origin(model, airline):
    origins, y_hat = model.backtest(airline)
    for i in (0, 50, len(origins) - 1):
        expected = model.predict(airline.values[: origins[i] + 1]).values
        # the network runs in float32, and a batch of windows rounds differently from one window
        np.testing.assert_allclose(y_hat[i], expected, rtol=1e-6)


def test_evaluate_returns_the_documented_keys(model, airline):
    scores = model.evaluate(airline)
    assert set(scores) == {"windows", "season", "skipped", "origins", "actual", "forecasts", "per_step",
                           "overall", "skill", "targets", "overlap"}
    assert set(scores["forecasts"]) == {"model", "naive", "seasonal_naive"}
    assert scores["targets"] == ["passengers"]


def test_evaluate_scores_the_backtest_forecasts_whose_targets_are_known(model, airline):
    values = airline.values
    origins, y_hat = model.backtest(airline)
    known = origins + FUTURE < len(values)
    actual = np.array([[values[o + h, 0] for h in range(1, FUTURE + 1)] for o in origins[known]])
    rmse = math.sqrt(np.mean((y_hat[known][:, :, 0] - actual) ** 2))

    scores = model.evaluate(airline)
    assert scores["windows"] == len(values) - PAST - FUTURE + 1
    assert np.array_equal(scores["origins"], origins[known])
    assert scores["overall"]["model"]["rmse"].shape == (1,)
    assert scores["overall"]["model"]["rmse"][0] == pytest.approx(rmse, rel=1e-12)


# -- plain data and model files ------------------------------------------------------------------------


def test_from_dict_of_to_dict_forecasts_bit_identically(model, airline):
    copy = Forecaster.from_dict(model.to_dict())
    assert np.array_equal(copy.predict().values, model.predict().values)
    assert np.array_equal(copy.predict(interval=0.9).lower, model.predict(interval=0.9).lower)
    assert np.array_equal(copy.backtest(airline)[1], model.backtest(airline)[1])


def test_a_model_saved_and_loaded_forecasts_bit_identically(model, airline, tmp_path):
    save_model(model, tmp_path / "m.joblib")
    copy = load_model(tmp_path / "m.joblib")
    assert np.array_equal(copy.network_.flat, model.network_.flat)
    assert np.array_equal(copy.predict().values, model.predict().values)
    assert np.array_equal(copy.predict(interval=0.9).upper, model.predict(interval=0.9).upper)
    assert np.array_equal(copy.backtest(airline)[1], model.backtest(airline)[1])


# -- determinism ---------------------------------------------------------------------------------------


def test_the_same_seed_gives_bit_identical_weights(airline):
    a = Forecaster(past=PAST, future=FUTURE, scale="minmax", seed=7, **TINY).fit(airline)
    b = Forecaster(past=PAST, future=FUTURE, scale="minmax", seed=7, **TINY).fit(airline)
    assert np.array_equal(a.network_.flat, b.network_.flat)


def test_another_seed_gives_other_weights(airline):
    a = Forecaster(past=PAST, future=FUTURE, scale="minmax", seed=7, **TINY).fit(airline)
    b = Forecaster(past=PAST, future=FUTURE, scale="minmax", seed=8, **TINY).fit(airline)
    assert not np.array_equal(a.network_.flat, b.network_.flat)


# -- scaling -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["airline", "sunspots"])
def test_scale_auto_keeps_the_baseline_with_the_lowest_rolling_origin_error(name, request):
    series = request.getfixturevalue(name)
    model = Forecaster(past=12, future=FUTURE, scale="auto", **TINY).fit(series)
    rmse = {k: v[0] for k, v in model.choice_["baseline_rmse"].items()}
    best = min(rmse, key=rmse.get)
    assert model.choice_["reason"].startswith(best + " had the lowest RMSE")
    assert model.scale_ == ("level" if best.startswith("naive") else "seasonal")
    assert set(model.variant_scores_) == {model.scale_}  # one network trained, not one per candidate


@pytest.mark.parametrize("kind", ["none", "minmax", "standard", "window", "diff"])
def test_every_scale_kind_fits_and_forecasts_finite_values(kind, airline):
    model = Forecaster(past=PAST, future=FUTURE, scale=kind, hidden=4, epochs=2).fit(airline)
    assert model.scale_ == kind
    forecast = model.predict(interval=0.9)
    assert forecast.values.shape == (FUTURE, 1)
    assert np.isfinite(forecast.values).all()
    assert np.isfinite(forecast.lower).all()
    assert np.isfinite(forecast.upper).all()


# -- several features ----------------------------------------------------------------------------------


def test_one_target_is_forecast_from_four_features():
    weather = read_csv(SAMPLES / "seattle_weather.csv", targets=["temp_max"], features=SEATTLE_FEATURES)
    model = Forecaster(past=5, future=FUTURE, scale="minmax", hidden=4, epochs=2).fit(weather)
    assert model.network_.config()["n_features"] == 4
    assert [model.columns_[i] for i in model.feature_idx_] == SEATTLE_FEATURES
    forecast = model.predict()
    assert forecast.targets == ["temp_max"]
    assert forecast.values.shape == (FUTURE, 1)
    assert np.isfinite(forecast.values).all()


# -- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "message"), [
    ({"past": 0}, "`past` must be an integer >= 1, got 0"),
    ({"batch_size": 0}, "`batch_size` must be an integer >= 1, got 0"),
    ({"val_frac": 1}, "`val_frac` must be in [0, 1), got 1"),
    ({"cell": "gru"}, "`cell` must be one of lstm, rnn; got 'gru'"),
])
def test_from_python_a_bad_option_names_the_argument_not_the_flag(option, message):
    with pytest.raises(ConfigError) as info:
        Forecaster(**{"past": PAST, "future": FUTURE, **option})
    assert str(info.value) == message


def test_from_python_data_too_short_names_past_and_future_with_their_values():
    with pytest.raises(DataError) as info:
        Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY).fit(np.arange(8.0))
    assert str(info.value) == ("the data has 8 rows but `past=6` + `future=3` needs at least 9; "
                               "use a longer series or lower `past`/`future`")


@pytest.mark.parametrize(("option", "flag"), [
    ({"past": 0}, "--past"),
    ({"future": -1}, "--future"),
    ({"hidden": 2.5}, "--hidden"),
    ({"lr": -1}, "--lr"),
    ({"lr": float("nan")}, "--lr"),
    ({"val_frac": 1}, "--val-frac"),
    ({"scale": "x"}, "--scale"),
    ({"cell": "gru"}, "--cell"),
    ({"optimizer": "rmsprop"}, "--optimizer"),
    ({"clip": 0}, "--clip"),
])
def test_a_bad_option_raises_config_error_naming_the_flag_and_the_value(option, flag):
    with pytest.raises(ConfigError) as info:
        Forecaster(**{"past": PAST, "future": FUTURE, **option})
    message = said(info.value)
    assert message.startswith(f"{flag} ")
    assert repr(next(iter(option.values()))) in message


@pytest.mark.parametrize(("rows", "scale", "val_frac", "message"), [
    (8, "minmax", 0.2, "the data has 8 rows but --past 6 + --future 3 needs at least 9; "
                       "use a longer series or lower --past/--future"),
    (9, "diff", 0.0, "the data has 9 rows but --past 6 + --future 3 + 1 (--scale diff models "
                     "differences) needs at least 10; use a longer series or lower --past/--future"),
])
def test_data_too_short_for_past_and_future_states_the_numbers(rows, scale, val_frac, message):
    model = Forecaster(past=PAST, future=FUTURE, scale=scale, val_frac=val_frac, **TINY)
    with pytest.raises(DataError) as info:
        model.fit(np.arange(float(rows)))
    assert said(info.value) == message


def test_a_missing_value_in_the_data_names_its_column_and_row():
    values = np.arange(50.0)
    values[10] = np.nan
    with pytest.raises(DataError) as info:
        Forecaster(past=PAST, future=FUTURE, **TINY).fit(values, columns=["level"])
    assert str(info.value) == ("value nan in column 'level' (row 11) is missing or infinite; "
                               "fill or drop it first")


def test_a_huge_learning_rate_stops_with_non_finite_loss_error_and_a_hint(airline):
    model = Forecaster(past=PAST, future=FUTURE, scale="minmax", hidden=4, epochs=10, lr=1e4,
                       optimizer="sgd", dtype="float32")
    with pytest.raises(NonFiniteLossError) as info:
        model.fit(airline)
    message = said(info.value)
    match = re.search(r"loss became NaN at epoch (\d+)", message)
    assert match is not None, message
    assert int(match[1]) == info.value.epoch
    assert 1 <= info.value.epoch <= 10
    assert "--lr" in message
    assert "--clip" in message


# -- resume --------------------------------------------------------------------------------------------

RESUMABLE = {"past": PAST, "future": FUTURE, "hidden": 4, "patience": 0, "scale": "minmax"}


@pytest.fixture(scope="module")
def three_epochs(airline) -> dict:
    """The plain data of a run stopped after 3 epochs."""
    return Forecaster(epochs=3, **RESUMABLE).fit(airline).to_dict()


def test_resuming_3_epochs_to_6_equals_an_uninterrupted_6_epoch_run(three_epochs, airline):
    uninterrupted = Forecaster(epochs=6, **RESUMABLE).fit(airline)
    resumed = Forecaster(epochs=6, **RESUMABLE).fit(airline, resume=three_epochs)
    assert resumed.history_.epochs_run == 6
    assert resumed.history_ == uninterrupted.history_
    assert np.array_equal(resumed.network_.flat, uninterrupted.network_.flat)
    assert np.array_equal(resumed.predict().values, uninterrupted.predict().values)


def test_resuming_a_saved_and_loaded_run_equals_an_uninterrupted_one(three_epochs, airline, tmp_path):
    from rnncli.io.artifact import load, save

    save(three_epochs, tmp_path / "m.joblib")
    resumed = Forecaster(epochs=6, **RESUMABLE).fit(airline, resume=load(tmp_path / "m.joblib"))
    uninterrupted = Forecaster(epochs=6, **RESUMABLE).fit(airline)
    assert resumed.history_ == uninterrupted.history_
    assert np.array_equal(resumed.network_.flat, uninterrupted.network_.flat)


@pytest.mark.parametrize(("option", "flag", "message"), [
    ({"hidden": 5}, "--hidden", "the model was trained with --hidden 4, not 5"),
    ({"past": 7}, "--past", "the model was trained with --past 6, not 7"),
    ({"seed": 1}, "--seed", "the model was trained with --seed 0, not 1"),
])
def test_resuming_with_another_architecture_or_seed_names_the_flag(option, flag, message, three_epochs,
                                                                    airline):
    with pytest.raises(ConfigError) as info:
        Forecaster(epochs=6, **{**RESUMABLE, **option}).fit(airline, resume=three_epochs)
    assert said(info.value) == f"cannot resume: {message}; drop {flag} or start a new model"


def test_resuming_on_data_with_another_end_is_refused(three_epochs, airline):
    values = airline.values.copy()
    values[-1, 0] += 1.0
    with pytest.raises(DataError) as info:
        Forecaster(epochs=6, **RESUMABLE).fit(with_values(airline, values), resume=three_epochs)
    assert str(info.value) == ("cannot resume: the data differ from the model's training data "
                               "(144 rows now, 144 then); resume needs the same data")


def test_resuming_on_fewer_rows_is_refused(three_epochs, airline):
    with pytest.raises(DataError, match=r"^cannot resume: the data differ .* \(143 rows now, 144 then\)"):
        Forecaster(epochs=6, **RESUMABLE).fit(with_values(airline, airline.values[1:]), resume=three_epochs)


def test_resuming_on_other_columns_is_refused(three_epochs, airline):
    with pytest.raises(DataError) as info:
        Forecaster(epochs=6, **RESUMABLE).fit(airline.values, columns=["level"], resume=three_epochs)
    assert str(info.value) == "cannot resume: the data's columns differ from the model's (passengers)"


def test_resuming_on_data_changed_before_its_last_rows_is_refused(three_epochs, airline):
    values = airline.values.copy()
    values[0, 0] += 50.0  # a training row: the scaler and every early window change
    with pytest.raises(DataError, match=r"^cannot resume: the data differ"):
        Forecaster(epochs=6, **RESUMABLE).fit(with_values(airline, values), resume=three_epochs)


def test_resuming_with_another_explicit_scale_names_the_flag(three_epochs, airline):
    with raises_said(ConfigError, match=r"^cannot resume: .*--scale"):
        Forecaster(epochs=6, **{**RESUMABLE, "scale": "diff"}).fit(airline, resume=three_epochs)


def test_resuming_with_scale_auto_continues_the_saved_scaling(three_epochs, airline):
    resumed = Forecaster(epochs=6, **{**RESUMABLE, "scale": "auto"}).fit(airline, resume=three_epochs)
    assert resumed.scale_ == "minmax"
    assert resumed.history_.epochs_run == 6


def test_a_loaded_model_saves_again_and_still_resumes(tmp_path, airline):
    first = tmp_path / "first.joblib"
    save_model(Forecaster(epochs=3, **RESUMABLE).fit(airline), first)
    again = tmp_path / "again.joblib"
    save_model(load_model(first), again)
    continued = Forecaster(epochs=6, **RESUMABLE).fit(airline, resume=load(again))
    whole = Forecaster(epochs=6, **RESUMABLE).fit(airline)
    assert np.array_equal(continued.network_.flat, whole.network_.flat)


# -- latent faults (issue 9) --------------------------------------------------------------------


def test_a_dataframe_is_fitted_and_predicted_by_its_column_names(airline):
    import pandas as pd

    frame = pd.DataFrame({"noise": np.linspace(0, 1, len(airline.values)), "level": airline.values[:, 0]})
    model = Forecaster(past=PAST, future=FUTURE, **TINY).fit(frame, targets=["level"])
    assert model.columns_ == ["noise", "level"]
    assert [model.columns_[i] for i in model.target_idx_] == ["level"]
    reordered = frame[["level", "noise"]]  # read by name, not by position
    assert np.array_equal(model.predict(reordered).values, model.predict(frame).values)
    assert np.array_equal(model.predict(frame).values, model.predict().values)


def test_a_failed_fit_leaves_no_fitted_state(airline):
    model = Forecaster(past=PAST, future=FUTURE, **TINY)
    with pytest.raises(DataError, match="missing or infinite"):
        model.fit(np.array([[1.0], [np.nan], [3.0]]))
    assert not hasattr(model, "columns_")
    assert not hasattr(model, "tail_")
    with pytest.raises(ConfigError, match=r"^the Forecaster is not fitted yet"):
        model.predict()


def test_a_failed_refit_keeps_the_previous_fit(airline):
    model = Forecaster(past=PAST, future=FUTURE, **TINY).fit(airline)
    before = model.predict().values
    with pytest.raises(DataError):
        model.fit(airline.values[:5], columns=["level"])
    assert model.n_rows_ == len(airline.values)
    assert np.array_equal(model.predict().values, before)


def test_target_names_without_columns_are_a_config_error(airline):
    with pytest.raises(ConfigError) as info:
        Forecaster(past=PAST, future=FUTURE, **TINY).fit(airline.values, targets=["y"])
    assert str(info.value) == ("targets: unknown column 'y'; the columns are x0 "
                               "(name the columns with columns=[...])")
    with pytest.raises(ConfigError, match=r"^features: 3 is neither a column name nor an index below 1$"):
        Forecaster(past=PAST, future=FUTURE, **TINY).fit(airline.values, targets=[0], features=[3])


# -- anchored scalings, the cheap choice, the step policy (issue 14) ---------------------------------


def test_auto_needs_exactly_past_rows_to_forecast(airline):
    model = Forecaster(past=12, future=FUTURE, **TINY).fit(airline)
    assert model.lookback_ == 12
    origins, y_hat = model.backtest(airline.values[:12])
    assert origins.tolist() == [11]  # the first origin of exactly --past rows is formed
    assert np.isfinite(y_hat).all()


def test_a_network_weight_of_zero_forecasts_the_anchor_exactly(airline):
    model = Forecaster(past=12, future=FUTURE, scale="seasonal", **TINY).fit(airline)
    for a in model.network_.params[-1].values():
        a[...] = 0
    y = airline.values[:, 0]
    assert model.scaler_["season"].tolist() == [12.0]
    np.testing.assert_array_equal(model.predict().values[:, 0], y[-12:][:FUTURE])


def test_the_choice_and_the_network_weight_survive_save_and_load(airline, tmp_path):
    model = Forecaster(past=12, future=FUTURE, **TINY).fit(airline)
    save_model(model, tmp_path / "m.joblib")
    loaded = load_model(tmp_path / "m.joblib")
    assert loaded.choice_ == model.choice_
    assert loaded.choice_["network_weight"] in (0.0, 0.25, 0.5, 0.75, 1.0)
    np.testing.assert_array_equal(loaded.predict().values, model.predict().values)


def test_the_network_weight_is_the_one_with_the_lowest_validation_rmse(airline):
    model = Forecaster(past=12, future=FUTURE, **TINY).fit(airline)
    c = model.choice_
    assert c["network_rmse"] == pytest.approx(list(model.val_rmse_), rel=1e-12)
    if c["network_weight"] == 0.0:
        assert c["network_rmse"] == c["anchor_rmse"]
    else:
        assert c["network_rmse"][0] < c["anchor_rmse"][0]


def test_auto_gives_bit_identical_weights_for_the_same_seed(airline):
    a = Forecaster(past=12, future=FUTURE, seed=3, **TINY).fit(airline)
    b = Forecaster(past=12, future=FUTURE, seed=3, **TINY).fit(airline)
    assert a.network_.flat.tobytes() == b.network_.flat.tobytes()
    assert a.choice_ == b.choice_


def test_a_random_walk_is_anchored_on_the_naive_forecast():
    walk = np.cumsum(np.random.default_rng(0).normal(size=300))
    model = Forecaster(past=8, future=2, **TINY).fit(walk)
    assert (model.scale_, model.choice_["season"]) == ("level", 1)


def test_a_cycle_without_a_calendar_season_is_found_in_the_data():
    t = np.arange(400)
    y = 10 + np.sin(2 * np.pi * t / 9) + 0.05 * np.random.default_rng(0).normal(size=400)
    model = Forecaster(past=20, future=3, **TINY).fit(y)
    assert (model.scale_, model.choice_["season"]) == ("seasonal", 9)


def test_the_season_option_overrides_the_frequency(airline):
    model = Forecaster(past=12, future=FUTURE, scale="seasonal", season=6, **TINY).fit(airline)
    assert model.scaler_["season"].tolist() == [6.0]
    assert model.choice_["reason"] == "--scale seasonal was given"


def test_a_season_longer_than_past_is_a_config_error(airline):
    message = "--scale seasonal needs --past >= --season; got --past 6, --season 12"
    with raises_said(ConfigError, match=message):
        Forecaster(past=6, future=FUTURE, scale="seasonal", season=12, **TINY).fit(airline)


@pytest.mark.parametrize(("option", "flag"), [({"season": 0}, "--season"), ({"max_steps": 0}, "--max-steps"),
                                              ({"min_steps": -1}, "--min-steps")])
def test_bad_step_and_season_options_name_their_flag(option, flag):
    with raises_said(ConfigError, match=f"^{flag} must be an integer"):
        Forecaster(past=PAST, future=FUTURE, **option)


def test_the_step_budget_ends_training(airline):
    model = Forecaster(past=PAST, future=FUTURE, hidden=4, max_steps=10, min_steps=0).fit(airline)
    h = model.history_
    assert h.stopped == "step budget"
    assert 10 <= h.steps < 10 + 4  # the epoch that reaches the budget is finished (4 batches an epoch)


def test_a_tiny_validation_set_trains_past_the_minimum_number_of_steps(airline):
    short = with_values(airline, airline.values[:60])  # 51 windows: 5 validate, 44 train (2 batches)
    model = Forecaster(past=PAST, future=FUTURE, hidden=4, patience=1, val_frac=0.1).fit(short)
    h = model.history_
    assert h.steps >= 300
    assert len(h.val_msse) * 2 == h.steps
    assert h.stopped in ("early", "")


def test_resuming_an_auto_model_gives_the_weights_of_an_uninterrupted_run(airline):
    opts = {"hidden": 4, "min_steps": 0}
    whole = Forecaster(12, FUTURE, epochs=6, **opts).fit(airline)
    first = Forecaster(12, FUTURE, epochs=3, **opts).fit(airline)
    resumed = Forecaster(12, FUTURE, epochs=6, **opts).fit(airline, resume=first.to_dict())
    assert resumed.scale_ == whole.scale_ == "seasonal"
    assert resumed.history_.steps == whole.history_.steps


# -- validation scores beside both baselines (issue 13) -------------------------------------------------


def _val_windows(model, airline):
    """Raw validation targets and origins of a fitted min-max model, recomputed from the data."""
    from rnncli.model import windows

    y = np.asarray(airline.values, dtype=np.float64)[:, 0]
    lb = model.lookback_
    _, val = windows.split_windows(windows.n_windows(len(y), lb, FUTURE), model.val_frac, FUTURE)
    origins = np.arange(val.start, val.stop) + lb - 1
    actual = y[origins[:, None] + np.arange(1, FUTURE + 1)]
    return y, origins, actual


def test_fit_stores_the_seasonal_naive_validation_rmse_with_the_season_of_the_frequency(model, airline):
    y, origins, actual = _val_windows(model, airline)
    h = np.arange(1, FUTURE + 1)
    snaive = y[origins[:, None] + h - 12]  # monthly: one year before each step
    assert model.season_ == 12
    assert model.snaive_rmse_ == pytest.approx([np.sqrt(np.mean((snaive - actual) ** 2))], rel=1e-12)
    naive = y[origins][:, None]
    assert model.naive_rmse_ == pytest.approx([np.sqrt(np.mean((naive - actual) ** 2))], rel=1e-12)


def test_the_season_option_is_the_seasonal_naive_period(airline):
    m = Forecaster(past=PAST, future=FUTURE, scale="minmax", season=1, **TINY).fit(airline)
    assert m.season_ == 1
    assert m.snaive_rmse_ == pytest.approx(m.naive_rmse_, rel=1e-12)  # lag 1 is the naive forecast


def test_scale_auto_stores_the_trained_variant_validation_rmse_in_data_units(airline):
    m = Forecaster(past=PAST, future=FUTURE, scale="auto", **TINY).fit(airline)
    assert list(m.variant_rmse_) == [m.scale_]  # auto trains one network, on the chosen anchor
    assert m.variant_rmse_[m.scale_] == pytest.approx(list(m.val_rmse_), rel=1e-12)
    kept = min(m.variant_scores_, key=m.variant_scores_.get)
    assert kept == m.scale_


def test_the_new_fields_of_to_dict_are_plain_values(model):
    d = model.to_dict()
    assert type(d["snaive_rmse"]) is list
    assert all(type(v) is float for v in d["snaive_rmse"])
    assert type(d["season"]) is int
    assert d["variant_rmse"] == {"minmax": [float(v) for v in model.val_rmse_]}
    assert d["variants_pending"] == []
    fp = d["fingerprints"]
    assert (fp["rows"], fp["count"]) == (PAST + FUTURE, 144 - PAST - FUTURE + 1)
    assert all(type(h) is int and 0 <= h < 2 ** 63 for h in fp["hashes"])


def test_a_model_file_without_the_new_fields_still_loads_and_forecasts(model, airline):
    d = model.to_dict()
    for key in ("snaive_rmse", "season", "variant_rmse", "variants_pending", "fingerprints"):
        del d[key]
    old = Forecaster.from_dict(d)
    assert np.isnan(old.snaive_rmse_).all()
    assert old.predict().values.tobytes() == model.predict().values.tobytes()
    assert old.overlap(airline)["shared"] == 0


# -- fingerprints: evaluating on training data ---------------------------------------------------------


def test_overlap_finds_every_window_of_the_training_data(model, airline):
    assert model.overlap(airline) == {"windows": 136, "checked": 136, "shared": 136, "rows": PAST + FUTURE,
                                      "sampled": False}


def test_overlap_of_data_after_the_training_data_is_none(airline):
    m = Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY).fit(airline.values[:100])
    later = airline.values[100 - PAST:]  # context rows from the training data, then new rows
    assert m.overlap(later)["shared"] == 0
    assert m.overlap(airline.values[50:120])["shared"] == 100 - PAST - FUTURE + 1 - 50


def test_evaluate_reports_the_overlap(model, airline):
    assert model.evaluate(airline, season=12)["overlap"]["shared"] == 136


def test_overlap_with_a_sample_of_fingerprints_estimates_the_share(airline, monkeypatch):
    from rnncli.model import forecaster

    monkeypatch.setattr(forecaster, "FINGERPRINTS", 40)
    m = Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY).fit(airline.values[:100])
    assert len(m.fingerprints_["hashes"]) == 40
    whole = m.overlap(airline.values[:100])
    assert whole["sampled"]
    assert whole["shared"] == whole["checked"] == 40
    assert m.overlap(airline.values[100 - PAST:])["shared"] == 0


# -- forecasting further than the horizon -----------------------------------------------------------------


def test_predict_steps_up_to_the_horizon_is_the_start_of_the_direct_forecast(model):
    assert model.predict(steps=2).values.tobytes() == model.predict().values[:2].tobytes()


def test_predict_steps_beyond_the_horizon_feeds_each_block_back(model, airline):
    values = np.asarray(airline.values, dtype=np.float64)
    first = model.predict(values).values
    second = model.predict(np.concatenate([values, first])).values
    third = model.predict(np.concatenate([values, first, second])).values
    long = model.predict(values, steps=8).values
    assert long.shape == (8, 1)
    np.testing.assert_array_equal(long, np.concatenate([first, second, third])[:8])


def test_predict_steps_beyond_the_horizon_names_the_features_that_are_not_targets():
    series = read_csv(SAMPLES / "seattle_weather.csv", targets=["temp_max"], features=SEATTLE_FEATURES)
    m = Forecaster(past=PAST, future=FUTURE, scale="minmax", **TINY).fit(series)
    assert m.predict(steps=FUTURE).values.shape == (FUTURE, 1)
    with raises_said(ConfigError, match=r"--steps .* feature\(s\) precipitation, temp_min, wind are not "
                                          "targets"):
        m.predict(steps=FUTURE + 1)


def test_recursive_residuals_of_the_first_block_are_the_validation_residuals(model):
    residuals = model.recursive_residuals(FUTURE)
    for h in range(FUTURE):
        np.testing.assert_allclose(residuals[h], model.val_residuals_[:, h], rtol=1e-5, atol=1e-6)


def test_recursive_residuals_thin_out_with_the_step(model):
    counts = [len(r) for r in model.recursive_residuals(40)]
    n_val = len(model.val_residuals_)
    assert counts[:FUTURE] == [n_val] * FUTURE
    assert counts[FUTURE:n_val + FUTURE - 1] == list(range(n_val - 1, 0, -1))
    assert set(counts[n_val + FUTURE - 1:]) == {0}


def test_a_long_interval_uses_each_step_residuals_then_grows_like_sqrt_of_the_step(model):
    fc = model.predict(steps=60, interval=0.9)
    q = (fc.upper - fc.lower) / 2
    residuals = model.recursive_residuals(60)
    counts = [len(r) for r in residuals]
    reach = next(h for h, n in enumerate(counts) if n < 9)  # 0.9 needs 9 residuals
    assert fc.reach == reach
    for h in range(reach):
        n = counts[h]
        expect = np.sort(np.abs(residuals[h]), axis=0)[math.ceil((n + 1) * 0.9) - 1]
        np.testing.assert_allclose(q[h], expect, rtol=1e-9)
    steps = np.arange(reach + 1, 61)
    np.testing.assert_allclose(q[reach:, 0], q[reach - 1, 0] * np.sqrt(steps / reach), rtol=1e-9)


def test_an_interval_up_to_the_horizon_is_unchanged_by_steps(model):
    fc = model.predict(steps=FUTURE, interval=0.9)
    np.testing.assert_array_equal(fc.upper - fc.values, model.interval_halfwidth(0.9))
    assert fc.reach == FUTURE


# -- resuming an interrupted auto run -----------------------------------------------------------------------


def _stop_after(calls: int):
    n = {"calls": 0}

    def stop():
        n["calls"] += 1
        return n["calls"] >= calls
    return stop


def test_an_interrupted_auto_run_resumed_is_bit_identical_to_an_uninterrupted_one(airline):
    options = {"past": PAST, "future": FUTURE, "scale": "auto", "hidden": 4, "epochs": 3}
    stopped = Forecaster(**options).fit(airline, should_stop=_stop_after(5))
    assert stopped.interrupted_
    assert stopped.variants_pending_ == []  # auto trains one network
    resumed = Forecaster(**options).fit(airline, resume=stopped.to_dict())
    whole = Forecaster(**options).fit(airline)
    assert (resumed.scale_, resumed.choice_["reason"]) == (whole.scale_, whole.choice_["reason"])
    assert resumed.network_.flat.tobytes() == whole.network_.flat.tobytes()


def test_auto_says_when_past_is_too_short_for_the_seasonal_anchor(airline):
    short = Forecaster(past=6, future=FUTURE, **TINY).fit(airline)  # monthly: season 12 > past 6
    assert said(short.choice_["note"]) == (
        "the data's season (12) is longer than --past 6, so seasonal naive "
        "could not be tested as the anchor; train with --past 12 or more to let "
        "the model build on it")
    assert "note" not in Forecaster(past=12, future=FUTURE, **TINY).fit(airline).choice_
