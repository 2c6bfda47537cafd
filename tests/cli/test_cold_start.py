"""What a command imports (issue 12's cold start): each command only what it needs. Times are the
benchmark's (`bench/cold_start.py`); these tests pin down which heavy packages stay out."""

import subprocess
import sys
from pathlib import Path

import pytest

from rnncli.io.artifact import load, save

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
HEAVY = ("numpy", "pandas", "rich", "joblib", "matplotlib", "dask", "distributed", "threadpoolctl",
         "concurrent.futures")  # the last for the split products' worker thread only (it brings logging)
COMMAND_MODULES = ("rnncli.cli.training", "rnncli.cli.windowing", "rnncli.cli.describing", "rnncli.cli.many",
                   "rnncli.cli.completion", "rnncli.cli.progress", "rnncli.cli.plot")

SCRIPT = """
import sys
from rnncli.cli import main
sys.argv = ["rnncli", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
print(" ".join(sorted(name for name in sys.modules if name in {names!r})), file=sys.stderr)
"""


def imported(*args) -> set:
    names = set(HEAVY) | set(COMMAND_MODULES)
    err = subprocess.run([sys.executable, "-c", SCRIPT.format(names=names), *map(str, args)],
                         capture_output=True, text=True, check=True).stderr
    return set(err.splitlines()[-1].split())


@pytest.mark.slow
def test_help_imports_nothing_heavy():
    assert imported("--help") & set(HEAVY) == set()


@pytest.mark.slow
@pytest.mark.parametrize("compress", [3, 0])  # train's default (zlib, read with the stdlib), and none
def test_predict_imports_neither_pandas_nor_joblib_nor_rich_nor_other_commands(compress, airline_model,
                                                                               tmp_path):
    path = tmp_path / "m.joblib"
    save(load(airline_model), path, compress=compress)
    got = imported("predict", path)
    assert "numpy" in got
    assert got & {"pandas", "rich", "joblib", "matplotlib", "dask", "distributed", "concurrent.futures",
                  *COMMAND_MODULES} == set()
    got = imported("predict", path, SAMPLES / "airline.csv")
    assert "pandas" in got
    assert got & {"rich", "joblib", "matplotlib", "dask", *COMMAND_MODULES} == set()


@pytest.mark.slow
def test_predict_of_integer_times_or_of_no_calendar_needs_no_labels_and_no_pandas(run, sunspots_model,
                                                                                  tmp_path):
    steps = tmp_path / "steps.joblib"  # --freq none: the forecast's rows are numbered
    result = run("train", READING / "gap_daily.csv", "--past", 2, "--future", 2, "--freq", "none", *FAST,
                 "-o", steps)
    assert result.exit_code == 0, result.stderr
    for path in (sunspots_model, steps):
        assert imported("predict", path) & {"pandas", "joblib", "rich"} == set()


@pytest.mark.slow
def test_predict_of_a_file_without_time_labels_computes_them_with_pandas(airline_model, tmp_path,
                                                                        monkeypatch):
    from rnncli.io import timelabels

    path = tmp_path / "old.joblib"
    monkeypatch.setattr(timelabels, "compute", lambda plain: None)  # a file as saved before
    save(load(airline_model), path)
    got = imported("predict", path)
    assert "pandas" in got
    assert got & {"rich", "joblib"} == set()


# -- predict MODEL writes the forecast's time labels stored in the file: no pandas ------------------------

READING = Path(__file__).resolve().parents[1] / "data" / "reading"
FAST = ("--hidden", 2, "--epochs", 1, "--scale", "minmax", "--val-frac", 0, "--quiet")


def _autumn_hours(tmp_path) -> Path:
    """Hourly local times up to the night the clocks go back (Europe/Berlin, 2023-10-29 03:00 -> 02:00)."""
    path = tmp_path / "autumn.csv"
    path.write_text("time,y\n" + "".join(f"2023-10-28 {h:02d}:00,{h}\n" for h in range(18, 24))
                    + "2023-10-29 00:00,24\n2023-10-29 01:00,25\n")
    return path


# data, train options, --future, whether the file holds labels (a time column with a frequency)
AXES = {
    "monthly": (SAMPLES / "airline.csv", ("--past", 6), 3, True),
    "business days": (READING / "business.csv", ("--past", 2), 2, True),
    "declared B, holiday filled": (READING / "business_holiday.csv",
                                   ("--past", 2, "--freq", "B", "--fill", "zero"), 2, True),
    "weekly saturdays": (READING / "weekly_sat.csv", ("--past", 2), 2, True),
    "offset kept": (READING / "offset_daily.csv", ("--past", 1), 2, True),
    "DST hourly offsets": (READING / "dst_hourly_offsets.csv", ("--past", 1), 2, True),
    "DST daily local calendar": (READING / "dst_daily_offsets.csv", ("--past", 1), 2, True),
    "DST hourly --tz": (READING / "dst_hourly_naive.csv", ("--past", 1, "--tz", "Europe/Berlin"), 2, True),
    "DST autumn hour twice": (_autumn_hours, ("--past", 1, "--tz", "Europe/Berlin"), 4, True),
    "UTC Z": (READING / "utc_z.csv", ("--past", 1, "--time-col", "when"), 2, True),
    "milliseconds": (READING / "ms8.csv", ("--past", 1), 2, True),
    "hourly at midnight": (READING / "hourly_midnight.csv", ("--past", 1), 2, True),
    "--freq none steps": (READING / "gap_daily.csv", ("--past", 2, "--freq", "none"), 2, False),
    "integer years": (READING / "gap_years.csv", ("--past", 2, "--fill", "interpolate"), 2, False),
    "no time column": (SAMPLES / "airline.csv", ("--past", 6, "--time-col", "none"), 3, False),
}


@pytest.mark.parametrize("axis", AXES)
def test_predict_writes_the_stored_time_labels_byte_for_byte_as_pandas_would(axis, run, tmp_path,
                                                                           monkeypatch):
    """The labels `save` stores are what the pandas path writes, for every kind of time axis: the same
    bytes from the file with labels (predict never computes a time) and from one without (as files
    from before have)."""
    from rnncli.io import like, timelabels

    data, args, future, labelled = AXES[axis]
    data = data(tmp_path) if callable(data) else data
    path, old = tmp_path / "m.joblib", tmp_path / "old.joblib"
    result = run("train", data, "--future", future, *args, *FAST, "-o", path)
    assert result.exit_code == 0, result.stderr
    d = load(path)
    assert (timelabels.FIELD in d) is labelled
    with monkeypatch.context() as m:
        m.setattr(timelabels, "compute", lambda plain: None)
        save(d, old)
    assert timelabels.FIELD not in load(old)
    options = [(), ("--format", "json"), ("--steps", 1), ("--steps", future - 1, "--precision", 3)]
    before = [run("predict", old, *o) for o in options]
    assert all(r.exit_code == 0 for r in before), [r.stderr for r in before]
    if labelled:
        def no_calendar(*args):
            raise AssertionError("predict computed the times of a file that holds them")

        monkeypatch.setattr(like, "future_times_after", no_calendar)
    for o, want in zip(options, before, strict=True):
        got = run("predict", path, *o)
        assert (got.exit_code, got.stdout, got.stderr) == (0, want.stdout, want.stderr), o


def test_the_autumn_night_repeats_a_local_hour(run, tmp_path):
    """The case the labels must get right: two forecast hours are 02:00 local (CEST, then CET)."""
    path = tmp_path / "m.joblib"
    result = run("train", _autumn_hours(tmp_path), "--future", 4, "--past", 1, "--tz", "Europe/Berlin",
                 *FAST, "-o", path)
    assert result.exit_code == 0, result.stderr
    times = [line.split(",")[0] for line in run("predict", path).stdout.splitlines()[1:]]
    assert times == ["2023-10-29 02:00", "2023-10-29 02:00", "2023-10-29 03:00", "2023-10-29 04:00"]


def test_predict_beyond_the_stored_labels_checks_the_calendar_first(run, error_line, airline_model, tmp_path,
                                                                    monkeypatch):
    """A file whose labels are sealed but whose frequency is no offset alias: what needs pandas (here
    --steps beyond the horizon) refuses it with load's own error line, never a pandas traceback."""
    from rnncli.io import timelabels

    d = load(airline_model)
    d["time"]["freq"] = "fortnightly"
    labels = d[timelabels.FIELD]["labels"]
    field = {"labels": labels, "sha256": timelabels.digest(d["time"], len(labels), labels)}
    path = tmp_path / "forged.joblib"
    with monkeypatch.context() as m:
        m.setattr(timelabels, "compute", lambda plain: field)
        save(d, path)
    problem = (f"Error: '{path}' is not a valid rnncli model: 'time.freq' is 'fortnightly': invalid "
               "--resample 'fortnightly'; use a pandas offset alias such as D, W, MS, QS, YS or h; "
               "re-train or re-download it")
    for args in (("--steps", len(labels) + 1), (SAMPLES / "airline.csv",)):
        assert error_line(run("predict", path, *args), 1) == problem
