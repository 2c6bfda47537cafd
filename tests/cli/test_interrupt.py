"""No lost work: Ctrl-C, SIGTERM, SIGHUP, SIGKILL and a diverging loss, each in a real `python -m rnncli`.

Ctrl-C during `train` stops after the current batch, saves the best model so far and exits 130
(SIGTERM 143, SIGHUP 129); a second signal while saving is ignored; in the first epoch the weights
reached so far are validated and saved, marked interrupted. Many-series runs and sweeps keep what they
trained. No temp file is left behind.
A save killed mid-write leaves the old file whole. A NaN loss writes nothing over an existing
model. Every wait has a timeout, and a process a test leaves running is killed at teardown.
"""

import csv
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rnncli.cli import cli
from rnncli.io import artifact
from rnncli.model.forecaster import Forecaster

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
TIMEOUT = 60  # seconds, for every wait on a subprocess

# Long enough to be mid-training when interrupted: a plain progress line every 20 epochs
# (and after epoch 1), an epoch every ~0.1 s.
LONG_TRAIN = ("train", SAMPLES / "sunspots.csv", "--past", 24, "--future", 6, "--hidden", 64, "--epochs", 400,
              "--patience", 0, "--scale", "minmax", "-o", "m.joblib")
# A first epoch of seconds: time to interrupt it after "training with" and before "epoch 1/".
SLOW_FIRST_EPOCH = ("train", SAMPLES / "seattle_weather.csv", "--target", "temp_max", "--past", 48,
                    "--future", 6, "--hidden", 256, "--epochs", 3, "--patience", 0, "--scale", "minmax",
                    "-o", "m.joblib")
SAVED = re.compile(r"interrupted: saved the best model so far \(epoch (\d+)\) to m\.joblib")
STOPPING = "stopping after this batch (Ctrl-C again is ignored while saving)..."


pytestmark = pytest.mark.slow  # every test runs `python -m rnncli` in a subprocess


def _env() -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RNNCLI_DEBUG", None)
    return env


class Running:
    """`python -m rnncli ARGS` in `cwd`; its stderr lines are collected as they arrive."""

    def __init__(self, args, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "rnncli", *map(str, args)], cwd=cwd, env=_env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.stderr_lines: list[str] = []
        self._stdout: list[str] = []
        self._arrivals: queue.Queue = queue.Queue()
        self._threads = [threading.Thread(target=self._read_stderr, daemon=True),
                         threading.Thread(target=self._read_stdout, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))
            self._arrivals.put(line)
        self._arrivals.put(None)

    def _read_stdout(self) -> None:
        self._stdout.append(self.proc.stdout.read())

    def wait_for_line(self, prefix: str) -> None:
        """Block until a stderr line starts with `prefix`; fail if the process ends first or time runs out."""
        deadline = time.monotonic() + TIMEOUT
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._arrivals.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"rnncli ended before printing {prefix!r}: {self.stderr_lines}")
            if line.startswith(prefix):
                return
        raise AssertionError(f"no line starting {prefix!r} within {TIMEOUT} s: {self.stderr_lines}")

    def finish(self) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) once the process has ended."""
        returncode = self.proc.wait(timeout=TIMEOUT)
        self._close()
        return returncode, "".join(self._stdout), "\n".join(self.stderr_lines)

    def stop(self) -> None:
        """Kill the process if it still runs, and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        self._close()

    def _close(self) -> None:
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture(scope="module")
def started():
    """Start `python -m rnncli ARGS` in a directory; whatever is still running at the end is killed."""
    running = []

    def start(args, cwd: Path) -> Running:
        running.append(Running(args, cwd))
        return running[-1]

    yield start
    for process in running:
        process.stop()


def rnncli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnncli", *map(str, args)], cwd=cwd, env=_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)


def lines_matching(pattern: re.Pattern, stderr: str) -> list[re.Match]:
    return [m for m in map(pattern.fullmatch, stderr.splitlines()) if m]


@pytest.fixture(scope="module")
def tiny_model() -> dict:
    """The plain data of a tiny fitted model, for files that exist before a run."""
    model = Forecaster(past=4, future=2, hidden=4, epochs=2, scale="minmax")
    return model.fit(np.sin(np.arange(60.0))).to_dict()


# -- Ctrl-C during training -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def interrupted(started, tmp_path_factory):
    """`train` interrupted once after epoch 20 of 400: (directory, exit code, stdout, stderr)."""
    cwd = tmp_path_factory.mktemp("interrupted")
    run = started(LONG_TRAIN, cwd)
    run.wait_for_line("epoch 20/400")
    run.proc.send_signal(signal.SIGINT)
    return (cwd, *run.finish())


def test_ctrl_c_during_training_exits_130(interrupted):
    _, returncode, stdout, stderr = interrupted
    assert returncode == 130, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    assert "Error" not in stderr


def test_ctrl_c_during_training_says_once_that_it_stops_and_once_that_it_saved(interrupted):
    _, _, _, stderr = interrupted
    assert stderr.splitlines().count(STOPPING) == 1
    assert len(lines_matching(SAVED, stderr)) == 1


def test_ctrl_c_during_training_saves_the_best_model_so_far(interrupted):
    cwd, _, _, stderr = interrupted
    best_epoch = int(lines_matching(SAVED, stderr)[0][1])
    d = artifact.load(cwd / "m.joblib")
    assert d["interrupted"] is True
    assert d["history"]["stopped"] == "interrupted"
    assert d["history"]["best_epoch"] == best_epoch
    assert 20 <= len(d["history"]["train_msse"]) < 400
    assert d["history"]["val_msse"][best_epoch - 1] == d["history"]["best_msse"]
    assert d["history"]["best_msse"] == min(d["history"]["val_msse"])


def test_ctrl_c_during_training_leaves_only_the_model_file(interrupted):
    cwd, *_ = interrupted
    assert sorted(p.name for p in cwd.iterdir()) == ["m.joblib"]


def test_the_model_saved_on_ctrl_c_forecasts(interrupted):
    cwd, *_ = interrupted
    done = rnncli("predict", "m.joblib", cwd=cwd)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "year,sunspots"
    assert len(lines) == 1 + 6


def test_repeated_ctrl_c_while_stopping_and_saving_is_ignored(started, tmp_path):
    run = started(LONG_TRAIN, tmp_path)
    run.wait_for_line("epoch 20/400")
    sent = 0
    while run.proc.poll() is None and sent < 10_000:  # a Ctrl-C every 2 ms until rnncli has exited
        run.proc.send_signal(signal.SIGINT)
        sent += 1
        time.sleep(0.002)
    returncode, stdout, stderr = run.finish()
    assert sent >= 2
    assert returncode == 130, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    assert "Aborted" not in stderr
    assert stderr.splitlines().count(STOPPING) == 1
    assert len(lines_matching(SAVED, stderr)) == 1
    assert artifact.load(tmp_path / "m.joblib")["interrupted"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


FIRST_EPOCH_SAVED = ("interrupted: saved the weights reached in the first epoch (validated, not a whole "
                     "epoch) to m.joblib")


def test_ctrl_c_in_the_first_epoch_saves_the_weights_reached_so_far_validated(started, tmp_path):
    run = started(SLOW_FIRST_EPOCH, tmp_path)
    run.wait_for_line("training with scale minmax")
    run.proc.send_signal(signal.SIGINT)
    returncode, stdout, stderr = run.finish()
    assert returncode == 130, stderr
    assert stdout == ""
    assert not any(line.startswith("epoch ") for line in stderr.splitlines()), stderr
    assert stderr.splitlines()[-1] == FIRST_EPOCH_SAVED
    assert "Traceback" not in stderr
    d = artifact.load(tmp_path / "m.joblib")
    assert d["interrupted"] is True
    assert d["history"]["stopped"] == "interrupted"
    assert d["history"]["best_epoch"] == 0
    assert d["history"]["train_msse"] == []
    assert np.isfinite(d["history"]["best_msse"])
    assert all(np.isfinite(d["val_rmse"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]
    done = rnncli("predict", "m.joblib", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 + 6


def test_ctrl_c_in_the_first_epoch_replaces_an_existing_model_whole(started, tmp_path, tiny_model):
    artifact.save(tiny_model, tmp_path / "m.joblib")
    run = started(SLOW_FIRST_EPOCH, tmp_path)
    run.wait_for_line("training with scale minmax")
    run.proc.send_signal(signal.SIGINT)
    returncode, _, stderr = run.finish()
    assert returncode == 130, stderr
    assert stderr.splitlines()[-1] == FIRST_EPOCH_SAVED
    assert artifact.load(tmp_path / "m.joblib")["interrupted"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


# -- SIGTERM and SIGHUP: as Ctrl-C, exit 128 + the signal's number ----------------------------------


def signalled(started, args, cwd: Path, after: str, signum: int) -> tuple[str, str]:
    """Run `args`, send `signum` once a stderr line starts with `after`: (stdout, stderr) of a run that
    exited with 128 + signum and no traceback."""
    run = started(args, cwd)
    run.wait_for_line(after)
    run.proc.send_signal(signum)
    returncode, stdout, stderr = run.finish()
    assert returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    return stdout, stderr


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_during_training_save_the_best_model_so_far(started, tmp_path, signum, code):
    stdout, stderr = signalled(started, LONG_TRAIN, tmp_path, "epoch 1/400", signum)
    assert code == 128 + signum
    assert stdout == ""
    name = signal.Signals(signum).name
    assert stderr.splitlines().count(
        f"{name} received: stopping after this batch (further signals are ignored while saving)...") == 1
    assert len(lines_matching(SAVED, stderr)) == 1
    assert artifact.load(tmp_path / "m.joblib")["interrupted"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


@pytest.mark.slow
def test_repeated_sigterm_while_stopping_and_saving_is_ignored(started, tmp_path):
    run = started(LONG_TRAIN, tmp_path)
    run.wait_for_line("epoch 1/400")
    sent = 0
    while run.proc.poll() is None and sent < 10_000:
        run.proc.send_signal(signal.SIGTERM)
        sent += 1
        time.sleep(0.002)
    returncode, _, stderr = run.finish()
    assert returncode == 143, stderr
    assert len(lines_matching(SAVED, stderr)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


MANY = ("train", SAMPLES / "seattle_long.csv", "--id-col", "variable", "--past", 14, "--future", 1,
        "--hidden", 8, "--epochs", 10, "--patience", 0, "--scale", "minmax", "-o", "models")


def files_under(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


@pytest.mark.slow
def test_sigterm_during_a_many_series_run_keeps_the_trained_series_for_resume(started, tmp_path):
    stdout, stderr = signalled(started, MANY, tmp_path, "series 1/4 done", signal.SIGTERM)
    assert stdout == ""
    saved = re.search(r"^interrupted: (\d) trained series are saved in models; train again with --resume to "
                      r"train the rest$", stderr, re.M)
    assert saved, stderr
    kept = int(saved[1])
    assert 1 <= kept < 4
    assert not any(".rnncli-" in name for name in files_under(tmp_path)), files_under(tmp_path)
    manifest = json.loads((tmp_path / "models" / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert sum(e["status"] == "ok" for e in manifest["series"]) == kept
    done = rnncli(*MANY[:2], "--resume", "models", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "models" / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert [e["status"] for e in manifest["series"]] == ["ok"] * 4


@pytest.mark.slow
def test_a_many_series_run_killed_as_its_first_series_file_appears_is_resumed(started, tmp_path):
    run = started(MANY, tmp_path)
    deadline = time.monotonic() + TIMEOUT
    first = None
    while first is None and time.monotonic() < deadline and run.proc.poll() is None:
        first = next((p for p in (tmp_path / "models" / "series").glob("*.joblib")), None) \
            if (tmp_path / "models" / "series").is_dir() else None
        time.sleep(0.001)
    run.proc.kill()
    run.finish()
    assert first is not None, "no series file appeared"
    assert (tmp_path / "models" / "manifest.json").is_file()
    before = first.read_bytes()
    done = rnncli(*MANY[:2], "--resume", "models", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^4 series: 3 trained, 1 already trained, 0 failed, 0 cancelled$", done.stderr, re.M), \
        done.stderr
    assert first.read_bytes() == before  # adopted, not trained again
    manifest = json.loads((tmp_path / "models" / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert [e["status"] for e in manifest["series"]] == ["ok"] * 4


SWEEP = ("sweep", SAMPLES / "airline.csv", "--past", 6, "--future", 3, "--hidden", "4,8,12,16",
         "--epochs", 400, "--patience", 0, "--scale", "minmax", "--format", "csv", "-o", "best.joblib")


@pytest.mark.slow
def test_sigterm_during_a_sweep_ranks_and_saves_the_best_model_so_far(started, tmp_path):
    stdout, stderr = signalled(started, SWEEP, tmp_path, "models 1/4 done", signal.SIGTERM)
    assert re.search(r"^interrupted: saved the best model so far \(hidden=\d+\) to best\.joblib$", stderr,
                     re.M), stderr
    rows = list(csv.DictReader(stdout.splitlines()))
    assert len(rows) == 4
    assert rows[0]["rank"] == "1"
    assert rows[0]["status"] == "ok"
    cancelled = [r for r in rows if r["status"] == "cancelled"]
    assert cancelled
    assert all(r["error"] == "interrupted" and r["rank"] == "" for r in cancelled)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.joblib"]
    assert artifact.load(tmp_path / "best.joblib")["interrupted"] is False  # a whole model, ranked first


# -- SIGKILL during a save ------------------------------------------------------------------------

# About 300 MB uncompressed: the write takes long enough to be killed in the middle of it.
HUGE_SAVE = """
import sys
import numpy as np
from rnncli.io.artifact import save
save({"huge": np.ones(300 * 2**20 // 8)}, sys.argv[1], compress=0)
"""
PARTLY_WRITTEN = 16 * 2**20  # bytes in the temp file before the kill


@pytest.fixture
def killed_save(tmp_path, tiny_model):
    """A valid m.joblib, then a save of ~300 MB over it killed mid-write: (old bytes, the temp file left)."""
    path = tmp_path / "m.joblib"
    artifact.save(tiny_model, path)
    old = path.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", HUGE_SAVE, "m.joblib"], cwd=tmp_path, env=_env())
    try:
        deadline = time.monotonic() + TIMEOUT
        temp = None
        while temp is None and time.monotonic() < deadline and proc.poll() is None:
            for p in tmp_path.glob(f".m.joblib.rnncli-tmp-{proc.pid}-*"):
                if p.stat().st_size >= PARTLY_WRITTEN:
                    temp = p
            time.sleep(0.001)
        proc.kill()
        assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL, "the save ended before it was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
    assert temp is not None, "no partly written temp file appeared"
    return old, temp


def test_sigkill_during_a_save_leaves_the_old_file_byte_identical_and_loadable(killed_save, tmp_path,
                                                                               tiny_model):
    old, temp = killed_save
    assert temp.exists()  # the kill came mid-write: the new file was never renamed into place
    assert (tmp_path / "m.joblib").read_bytes() == old
    np.testing.assert_array_equal(artifact.load(tmp_path / "m.joblib")["network"]["flat"],
                                  tiny_model["network"]["flat"], strict=True)


def test_the_next_save_removes_the_temp_file_of_a_killed_save(killed_save, tmp_path, tiny_model):
    _, temp = killed_save
    assert temp.exists()
    artifact.save({**tiny_model, "created": "the next save"}, tmp_path / "m.joblib")  # a valid change
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]
    assert artifact.load(tmp_path / "m.joblib")["created"] == "the next save"


# -- a diverging loss -----------------------------------------------------------------------------


def test_a_nan_loss_exits_1_with_one_error_line_and_keeps_the_existing_model(tmp_path, tiny_model):
    artifact.save(tiny_model, tmp_path / "m.joblib")
    before = (tmp_path / "m.joblib").read_bytes()
    done = rnncli("train", SAMPLES / "airline.csv", "--past", 6, "--future", 3, "--hidden", 4, "--epochs", 10,
                  "--scale", "minmax", "--lr", 10000, "--optimizer", "sgd", "-o", "m.joblib", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    assert re.match(r"Error: loss became NaN at epoch \d+ ", errors[0]), errors[0]
    assert (tmp_path / "m.joblib").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


# -- resume -----------------------------------------------------------------------------------------


def test_train_has_resume():
    result = CliRunner().invoke(cli, ["train", "--help"], prog_name="rnncli")
    assert result.exit_code == 0
    assert "--resume" in result.stdout

RESUMABLE = ("train", SAMPLES / "airline.csv", "--past", 6, "--future", 3, "--patience", 0,
             "--scale", "minmax", "--quiet")


def test_resume_continues_3_epochs_to_6_like_an_uninterrupted_run(tmp_path):
    for args in (("--epochs", 3, "-o", "m.joblib"), ("--epochs", 6, "--resume", "m.joblib", "-o", "r.joblib"),
                 ("--epochs", 6, "-o", "u.joblib")):
        done = rnncli(*RESUMABLE, "--hidden", 4, *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    resumed, uninterrupted = artifact.load(tmp_path / "r.joblib"), artifact.load(tmp_path / "u.joblib")
    assert len(resumed["history"]["train_msse"]) == 6
    assert resumed["history"] == uninterrupted["history"]
    np.testing.assert_array_equal(resumed["network"]["flat"], uninterrupted["network"]["flat"], strict=True)


def test_resume_with_another_hidden_size_names_the_flag(tmp_path):
    assert rnncli(*RESUMABLE, "--hidden", 4, "--epochs", 3, "-o", "m.joblib", cwd=tmp_path).returncode == 0
    done = rnncli(*RESUMABLE, "--hidden", 5, "--epochs", 6, "--resume", "m.joblib", "-o", "r.joblib",
                  cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == ("Error: cannot resume: the model was trained with --hidden 4, "
                                            "not 5; drop --hidden or start a new model")


def test_resume_on_data_changed_in_its_first_row_is_refused(tmp_path):
    assert rnncli(*RESUMABLE, "--hidden", 4, "--epochs", 3, "-o", "m.joblib", cwd=tmp_path).returncode == 0
    lines = (SAMPLES / "airline.csv").read_text().splitlines(keepends=True)
    assert lines[1] == "1949-01,112\n"
    (tmp_path / "changed.csv").write_text("".join([lines[0], "1949-01,200\n", *lines[2:]]))
    done = rnncli("train", "changed.csv", "--resume", "m.joblib", "--epochs", 6, "-o", "r.joblib",
                  cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1].startswith("Error: changed.csv: cannot resume: the data differ")
    assert not (tmp_path / "r.joblib").exists()
