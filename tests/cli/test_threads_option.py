"""`--threads N|auto` on train, sweep, predict and evaluate: checked as a usage error, taken from
RNNCLI_THREADS when not given, and handed to the library call (which applies it with threadpoolctl)."""

from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from rnncli.model.forecaster import Forecaster
from rnncli.threads import BLAS_ENV, ENV

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
TINY = ("--hidden", "4", "--epochs", "3", "--scale", "minmax")
AIRLINE = SAMPLES / "airline.csv"
WINDOW = ("--past", 6, "--future", 3)


@pytest.fixture
def record(monkeypatch):
    """The `threads` value each Forecaster call of the command receives, by method name."""
    seen = []
    for name in ("fit", "predict", "backtest", "evaluate"):
        original = getattr(Forecaster, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            seen.append((_name, kwargs.get("threads", "not given")))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Forecaster, name, spy)
    for variable in (ENV, *BLAS_ENV):
        monkeypatch.delenv(variable, raising=False)
    return seen


def commands(model):
    return {
        "train": ("train", AIRLINE, *WINDOW, *TINY, "-q", "-o", model.parent / "again.joblib"),
        "sweep": ("sweep", AIRLINE, *WINDOW, "--hidden", "4,6", "--epochs", 2, "-q", "--format", "csv"),
        "predict": ("predict", model),
        "predict DATA": ("predict", model, AIRLINE),
        "predict --all-windows": ("predict", model, AIRLINE, "--all-windows"),
        "evaluate": ("evaluate", model, AIRLINE, "--format", "csv"),
    }


CALLED = {"train": "fit", "sweep": "fit", "predict": "predict", "predict DATA": "predict",
          "predict --all-windows": "backtest", "evaluate": "evaluate"}


@pytest.mark.parametrize("command", list(CALLED))
def test_the_default_is_auto_and_an_explicit_count_reaches_the_library(command, record, run, airline_model):
    args = commands(airline_model)[command]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert {threads for name, threads in record if name == CALLED[command]} == {"auto"}
    record.clear()
    result = run(*args, "--threads", 1)
    assert result.exit_code == 0, result.stderr
    assert {threads for name, threads in record if name == CALLED[command]} == {1}


def test_rnncli_threads_sets_the_default_and_the_flag_wins(record, run, airline_model, monkeypatch):
    monkeypatch.setenv(ENV, "2")
    assert run("predict", airline_model).exit_code == 0
    assert record == [("predict", 2)]
    record.clear()
    assert run("predict", airline_model, "--threads", "1").exit_code == 0
    assert record == [("predict", 1)]
    record.clear()
    monkeypatch.setenv(ENV, "AUTO")
    assert run("predict", airline_model).exit_code == 0
    assert record == [("predict", "auto")]


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", ""])
def test_a_bad_count_is_a_usage_error_naming_the_flag(value, run, error_line, airline_model, record):
    line = error_line(run("predict", airline_model, "--threads", value), 2, usage=True)
    assert "--threads must be a number of threads >= 1 or auto" in line
    assert record == []


def test_a_bad_rnncli_threads_is_a_usage_error_naming_it(run, error_line, airline_model, record, monkeypatch):
    monkeypatch.setenv(ENV, "many")
    line = error_line(run("evaluate", airline_model, AIRLINE), 2, usage=True)
    assert "RNNCLI_THREADS (the default of --threads) must be a number of threads >= 1 or auto, got 'many'" \
        in line
    assert record == []
    monkeypatch.setenv(ENV, "many")
    assert run("predict", airline_model, "--threads", "1").exit_code == 0  # the flag wins: env not read


def test_many_series_in_this_process_get_the_count(record, run, tmp_path):
    long_csv = tmp_path / "long.csv"
    rows = AIRLINE.read_text().splitlines()
    long_csv.write_text("store," + rows[0] + "\n" + "".join(f"{s},{r}\n" for s in "ab" for r in rows[1:]))
    result = run("train", long_csv, "--id-col", "store", *WINDOW, *TINY, "-q", "-o", tmp_path / "models",
                 "--threads", 1)
    assert result.exit_code == 0, result.stderr
    assert [threads for name, threads in record if name == "fit"] == [1, 1]


def test_threadpoolctl_limits_blas_inside_fit(monkeypatch, run, tmp_path):
    """What BLAS reports while the network trains is the count given, and it is restored after."""
    from rnncli.engine.train import Trainer

    if not any(lib["user_api"] == "blas" for lib in threadpool_info()):
        pytest.skip("NumPy has no BLAS threadpoolctl can see")
    before = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
    seen = []
    original = Trainer.__init__

    def spy(self, *args, **kwargs):
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "__init__", spy)
    for variable in (ENV, *BLAS_ENV):
        monkeypatch.delenv(variable, raising=False)
    for threads in (1, 2):
        seen.clear()
        result = run("train", AIRLINE, *WINDOW, *TINY, "--threads", threads, "-q",
                     "-o", tmp_path / "m.joblib")
        assert result.exit_code == 0, result.stderr
        assert seen
        assert all(counts == {threads} for counts in seen), seen
        assert {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"} == before
