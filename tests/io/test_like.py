"""Data and options the way a saved model had them (rnncli.io.like), and the provenance a model keeps."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_same

from rnncli import Forecaster, load_model, read_csv, read_like, save_model
from rnncli.errors import DataError, RnncliError
from rnncli.io.artifact import load
from rnncli.io.like import (
    future_times_after,
    read_long_like,
    require_columns,
    resume_dir_options,
    resume_options,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
TINY = {"past": 6, "future": 3, "hidden": 4, "epochs": 2, "scale": "minmax"}


@pytest.fixture(scope="module")
def model():
    return Forecaster(**TINY).fit(read_csv(AIRLINE, fill="ffill", smooth=2))


def test_read_csv_records_where_the_values_came_from():
    series = read_csv(AIRLINE, smooth=2)
    assert series.provenance == {
        "source": "airline.csv", "sha256": hashlib.sha256(AIRLINE.read_bytes()).hexdigest(),
        "read": {"delimiter": ",", "encoding": "utf-8", "time_col": "month", "fill": "error",
                 "resample": None, "smooth": 2, "freq": None,
                     "time_format": None, "tz": None, "no_header": False,
                     "decimal": ".", "thousands": None}}


def test_fit_records_the_sha256_of_the_bytes_read_not_of_the_file_later(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(AIRLINE.read_bytes())
    series = read_csv(path)
    path.write_text("month,passengers\n2000-01,1\n")  # changed while the model trains
    model = Forecaster(**TINY).fit(series)
    assert model.data_["sha256"] == hashlib.sha256(AIRLINE.read_bytes()).hexdigest()
    assert model.data_["rows"] == 144


def test_a_model_saved_from_python_is_the_file_the_cli_saves(run, tmp_path):
    cli_path, py_path = tmp_path / "cli.joblib", tmp_path / "py.joblib"
    result = run("train", AIRLINE, "--past", 6, "--future", 3, "--hidden", 4, "--epochs", 2,
                 "--scale", "minmax", "-o", cli_path, "--quiet")
    assert result.exit_code == 0, result.stderr
    save_model(Forecaster(**TINY).fit(read_csv(AIRLINE)), py_path)
    from_cli, from_python = load(cli_path), load(py_path)
    assert from_cli.pop("created") <= from_python.pop("created")
    assert_same(from_python, from_cli)


def test_read_like_reads_as_the_model_was_read(model, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(AIRLINE.read_text().replace(",", ";"))
    assert model.data_["read"]["smooth"] == 2
    series = read_like(model, path, delimiter=";")
    np.testing.assert_array_equal(series.values, read_csv(AIRLINE, fill="ffill", smooth=2).values)
    again = read_like(load_model_roundtrip(model, tmp_path), AIRLINE)  # a saved model: the same
    np.testing.assert_array_equal(again.values, series.values)


def load_model_roundtrip(model, tmp_path):
    save_model(model, tmp_path / "m.joblib")
    return load_model(tmp_path / "m.joblib")


def test_read_like_names_the_columns_the_file_lacks(model, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("month,riders\n1949-01,1\n1949-02,2\n")
    with pytest.raises(DataError) as info:
        read_like(model, path)
    assert str(info.value) == (f"{path} lacks the model's column 'passengers' (the model reads "
                               f"month, passengers; {path} has month, riders)")


def test_require_columns_passes_when_all_are_there():
    require_columns(["passengers"], AIRLINE, time_col="month")  # no error
    with pytest.raises(DataError, match=r"lacks the model's columns 'day', 'x'"):
        require_columns(["x"], AIRLINE, time_col="day")


def test_resume_options_keep_what_was_given_and_take_the_rest_from_the_model(model):
    saved = model.to_dict()
    options = {"past": None, "future": None, "epochs": 50, "hidden": 64, "fill": "error", "smooth": None,
               "targets": (), "features": ()}
    merged = resume_options(saved, options, given={"epochs"})
    assert merged == {"past": 6, "future": 3, "epochs": 50, "hidden": 4, "fill": "ffill", "smooth": 2,
                      "targets": ("passengers",), "features": ("passengers",)}
    assert options["hidden"] == 64  # a new dict


def test_future_times_continue_the_models_time_index(model):
    times = future_times_after(model, 3)
    assert times.tolist() == np.array(["1961-01", "1961-02", "1961-03"], dtype="datetime64[ns]").tolist()
    assert future_times_after(Forecaster(**TINY).fit(np.arange(40.0)), 3) is None


def test_resume_dir_options_take_what_was_not_given_from_the_manifest():
    manifest = {"options": {"hidden": 4, "epochs": 3}, "read": {"fill": "ffill", "targets": ["sales"]}}
    options = {"hidden": 64, "epochs": 9, "fill": "error", "targets": (), "seed": 0}
    assert resume_dir_options(manifest, options, given={"epochs"}) == {
        "hidden": 4, "epochs": 9, "fill": "ffill", "targets": ("sales",), "seed": 0}


def test_read_long_like_needs_the_directorys_id_column(model, tmp_path):
    with pytest.raises(RnncliError, match=r"^'models' records no id column"):
        read_long_like("models", {"read": {}}, model, AIRLINE)
    with pytest.raises(DataError) as info:
        read_long_like("models", {"id_col": "store", "read": {}}, model, AIRLINE)
    assert str(info.value) == (f"{AIRLINE} lacks the id column 'store' of the model directory 'models' "
                               f"({AIRLINE} has month, passengers)")
    path = tmp_path / "long.csv"
    path.write_text("store,month,passengers\na,1949-01,1\na,1949-02,2\nb,1949-01,3\nb,1949-02,4\n")
    table = read_long_like("models", {"id_col": "store", "read": {"smooth": 2}}, model, path)
    assert {k: s.values[:, 0].tolist() for k, s in table.series.items()} == {"a": [1.5], "b": [3.5]}


def test_data_with_a_gap_is_refused_with_advice_for_a_model_not_for_training():
    """read_csv's gap advice (fill=, freq=) is for reading training data; DATA for a model is read as
    its training data was, so the advice is to fill DATA or train a model that fills or skips gaps."""
    reading = Path(__file__).resolve().parents[1] / "data" / "reading"
    model = Forecaster(2, 2, hidden=2, epochs=1, scale="minmax").fit(read_csv(reading / "business.csv"))
    with pytest.raises(DataError) as info:
        read_like(model, reading / "gap_daily.csv")
    message = str(info.value)
    assert message.startswith(f"{reading / 'gap_daily.csv'}: 2 timestamps are missing from the D calendar")
    assert message.endswith("the model was trained with `fill='error'`, so its DATA must hold every "
                            "timestamp of its calendar: fill the gap in DATA, or train a model that fills "
                            "or skips gaps (`fill='ffill'|'interpolate'|'zero'|'drop'`)")
    assert "freq=" not in message
