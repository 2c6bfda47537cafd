"""Outputs that never clobber: -o is checked before any work, and only a regular file is ever replaced.

A FIFO, a device or a socket named by -o (directly or through a symlink) is refused and left as it
is; a symlink to a regular file keeps being a link and its target gets the new content; -o naming a
directory, or a directory that takes no files, fails before training; -o naming one of the
command's own inputs (DATA, MODEL) is a usage error (exit 2).
"""

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rnncli.io.files import check_output

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
FAST = ("--past", 1, "--future", 1, "--hidden", 4, "--epochs", 1, "--scale", "minmax")
WINDOW = ("window", AIRLINE, "--past", 2, "--future", 1)
OWN_INPUT = "the command would overwrite its own input; choose another output file"
NOT_REGULAR = "not a regular file; choose a file name"
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and symlinks")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".rnncli-" in p.name)


@posix_only
def test_a_fifo_is_refused_and_left_a_fifo(run, error_line, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    assert error_line(run(*WINDOW, "-o", fifo), 1) == \
        f"Error: cannot write to '{fifo}': it is a FIFO (named pipe), {NOT_REGULAR}"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert leftovers(tmp_path) == []


@posix_only
def test_a_fifo_is_refused_before_training(run, error_line, tmp_path):
    fifo = tmp_path / "m.joblib"
    os.mkfifo(fifo)
    result = run("train", AIRLINE, *FAST, "-o", fifo)
    assert error_line(result, 1) == \
        f"Error: cannot write to '{fifo}': it is a FIFO (named pipe), {NOT_REGULAR}"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_dev_null_is_refused_and_stays_a_device(run, error_line):
    assert error_line(run(*WINDOW, "-o", "/dev/null"), 1) == \
        f"Error: cannot write to '/dev/null': it is a character device, {NOT_REGULAR}"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@posix_only
def test_a_socket_is_refused(run, error_line, tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert error_line(run(*WINDOW, "-o", path), 1) == \
            f"Error: cannot write to '{path}': it is a socket, {NOT_REGULAR}"


@posix_only
def test_a_symlink_to_a_fifo_is_refused_naming_both(run, error_line, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link.csv").symlink_to(tmp_path / "pipe")
    assert error_line(run(*WINDOW, "-o", tmp_path / "link.csv"), 1) == (
        f"Error: cannot write to '{tmp_path / 'link.csv'}' -> '{tmp_path / 'pipe'}': "
        f"it is a FIFO (named pipe), {NOT_REGULAR}")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_symlink_to_the_processes_own_stdout_pipe_is_refused(tmp_path):
    (tmp_path / "out.csv").symlink_to("/proc/self/fd/1")
    done = subprocess.run([sys.executable, "-m", "rnncli", *map(str, WINDOW), "-o", "out.csv"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("Error: cannot write to 'out.csv' -> '")
    assert done.stderr.endswith(f"': it is a FIFO (named pipe), {NOT_REGULAR}\n")
    assert (tmp_path / "out.csv").is_symlink()


@posix_only
def test_a_symlink_to_a_regular_file_stays_a_link_and_its_target_is_replaced(run, tmp_path):
    target = tmp_path / "real" / "w.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "w.csv"
    link.symlink_to(target)
    result = run(*WINDOW, "-o", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text().startswith(
        "month,passengers_t-1,passengers_t0,passengers_t+1\n1949-03-01,112.0,118.0,132.0\n")
    assert leftovers(tmp_path) == []
    assert leftovers(target.parent) == []


def test_a_path_ending_in_a_separator_is_refused_before_training(run, error_line, tmp_path):
    out = f"{tmp_path / 'models'}{os.sep}"
    result = run("train", AIRLINE, *FAST, "-o", out)
    assert error_line(result, 1) == f"Error: cannot write to '{out}': the path names a directory, not a file"
    assert list(tmp_path.iterdir()) == []


def test_output_equal_to_data_is_a_usage_error_and_data_is_untouched(run, error_line, tmp_path):
    data = tmp_path / "airline.csv"
    data.write_bytes(AIRLINE.read_bytes())
    for args in (("window", data, "--past", 2, "--future", 1), ("train", data, *FAST),
                 ("sweep", data, *FAST[:4], "--hidden", "2,3", "--epochs", 1)):
        assert error_line(run(*args, "-o", data), 2) == \
            f"Error: -o {data} is also DATA: {OWN_INPUT}"
    assert data.read_bytes() == AIRLINE.read_bytes()


@posix_only
def test_output_that_is_a_link_to_data_is_a_usage_error(run, error_line, tmp_path):
    (tmp_path / "same.csv").symlink_to(AIRLINE)
    assert error_line(run(*WINDOW, "-o", tmp_path / "same.csv"), 2) == (
        f"Error: -o {tmp_path / 'same.csv'} is also DATA: {OWN_INPUT}")


def test_output_equal_to_the_model_is_a_usage_error(run, error_line, tmp_path, airline_model):
    model = tmp_path / "m.joblib"
    model.write_bytes(airline_model.read_bytes())
    assert error_line(run("predict", model, "-o", model), 2) == \
        f"Error: -o {model} is also MODEL: {OWN_INPUT}"
    assert error_line(run("evaluate", model, AIRLINE, "--format", "csv", "-o", AIRLINE), 2) == \
        f"Error: -o {AIRLINE} is also DATA: {OWN_INPUT}"
    assert model.read_bytes() == airline_model.read_bytes()


def test_train_may_replace_the_model_it_resumes(run, tmp_path):
    model = tmp_path / "m.joblib"
    assert run("train", AIRLINE, *FAST, "-o", model, "--quiet").exit_code == 0
    result = run("train", AIRLINE, "--resume", model, "--epochs", 2, "-o", model, "--quiet")
    assert result.exit_code == 0, result.stderr


def test_check_output_returns_the_resolved_path_and_leaves_no_probe(tmp_path):
    (tmp_path / "real.csv").write_text("x")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    assert check_output(tmp_path / "link.csv") == str(tmp_path / "real.csv")
    assert check_output(tmp_path / "new.csv") == str(tmp_path / "new.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]
