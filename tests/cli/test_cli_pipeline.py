"""The installed script in real shell pipelines, `python -m rnncli`, and help text that cannot drift."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from rnncli import __version__
from rnncli.cli import cli
from rnncli.cli.output import Chunks as _Chunks

ROOT = Path(__file__).resolve().parents[2]
AIRLINE = ROOT / "sample_data" / "airline.csv"
BIN = Path(sys.executable).parent
RNNCLI = shutil.which("rnncli", path=str(BIN)) or shutil.which("rnncli")
BASH = shutil.which("bash")

needs_script = pytest.mark.skipif(RNNCLI is None or BASH is None,
                                  reason="the rnncli script or bash is not installed")


def shell(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `script` in bash with the venv's bin first on PATH; `set -o pipefail` makes any failure count.

    PYTHONUNBUFFERED=1 is the harsh case: every write Python makes reaches the pipe at once.
    """
    env = {**os.environ, "PATH": f"{Path(RNNCLI).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONUNBUFFERED": "1"}
    env.pop("RNNCLI_DEBUG", None)
    return subprocess.run([BASH, "-c", f"set -o pipefail\n{script}"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def load_gen_reference():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- real pipelines -------------------------------------------------------------------------------


@needs_script
@pytest.mark.slow
def test_train_then_predict_piped_into_head(tmp_path):
    done = shell(f"rnncli train '{AIRLINE}' --past 6 --future 3 --hidden 4 --epochs 3 --scale minmax -q "
                 "-o m.joblib && rnncli predict m.joblib | head -1", tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "month,passengers\n", "")


@needs_script
@pytest.mark.slow
def test_predict_reads_a_pipe_on_stdin(tmp_path):
    done = shell(f"rnncli train '{AIRLINE}' --past 6 --future 3 --hidden 4 --epochs 3 --scale minmax -q "
                 f"-o m.joblib && cat '{AIRLINE}' | rnncli predict m.joblib - | cut -d, -f1", tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "month\n1961-01-01\n1961-02-01\n1961-03-01\n"


@needs_script
@pytest.mark.slow
def test_window_into_head_ends_quietly_on_a_broken_pipe(tmp_path):
    (tmp_path / "big.csv").write_text("x\n" + "".join(f"{i % 97}.5\n" for i in range(3000)))
    # about 500 KB of windows, far more than a pipe holds, so rnncli writes into a closed pipe
    done = shell("rnncli window big.csv --past 24 --future 12 | head -1\n"
                 "echo \"rnncli=${PIPESTATUS[0]}\" >&2", tmp_path)
    assert done.stdout == ",".join([f"x_t-{k}" for k in range(23, 0, -1)] + ["x_t0"] +
                                   [f"x_t+{k}" for k in range(1, 13)]) + "\n"
    assert done.stderr == "rnncli=1\n"  # click's exit status for EPIPE; no traceback, no "Exception ignored"


@needs_script
@pytest.mark.slow
def test_an_error_in_a_pipeline_is_one_line_and_fails_the_pipeline(tmp_path):
    done = shell("rnncli predict missing.joblib | head -1", tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Error: no such model file 'missing.joblib'\n"


class Recorder:
    """A text stream that records each write it is given."""

    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)

    def flush(self):
        pass


def test_a_small_result_reaches_stdout_in_one_write():
    target = Recorder()
    stream = _Chunks(target)
    for line in ("month,passengers\n", "1961-01-01,1.0\n", "1961-02-01,2.0\n"):
        stream.write(line)
    stream.flush()
    assert target.writes == ["month,passengers\n1961-01-01,1.0\n1961-02-01,2.0\n"]


def test_a_large_result_is_written_in_chunks_of_64_kib():
    target = Recorder()
    stream = _Chunks(target)
    for _ in range(3000):
        stream.write("x" * 49 + "\n")
    stream.flush()
    assert [len(w) for w in target.writes] == [65550, 65550, 18900]  # 1311 lines of 50 reach 65,536


@pytest.mark.slow
def test_python_m_rnncli_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "rnncli", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"rnncli, version {__version__}\n", "")


# -- help -----------------------------------------------------------------------------------------


def test_version_option(run):
    assert run("--version").stdout == f"rnncli, version {__version__}\n"


@pytest.mark.parametrize("command", [[], *([name] for name in cli.commands)],
                         ids=lambda c: c[0] if c else "rnncli")
def test_h_is_the_same_as_help(run, command):
    short, long = run(*command, "-h"), run(*command, "--help")
    assert (short.exit_code, short.stdout) == (0, long.stdout)
    assert short.stdout.startswith(f"Usage: rnncli {' '.join(command)}".rstrip())


@pytest.mark.parametrize("name", list(cli.commands))
def test_every_command_has_help_text(name):
    assert cli.commands[name].help.strip()
    assert cli.commands[name].get_short_help_str(limit=200).strip()


@pytest.mark.parametrize("name", list(cli.commands))
def test_every_command_help_has_an_example(run, name):
    assert re.search(rf"^\s+rnncli {name} \S", run(name, "--help").stdout, re.MULTILINE)


@pytest.mark.parametrize("name", list(cli.commands))
def test_every_option_has_help_text(name):
    missing = [p.name for p in cli.commands[name].params if isinstance(p, click.Option) and not p.help]
    assert missing == []


def test_command_reference_lists_every_command():
    text = load_gen_reference().reference()
    assert re.findall(r"^### (.+)$", text, re.MULTILINE) == ["rnncli", *(f"rnncli {c}" for c in cli.commands)]


def test_command_reference_holds_each_help_verbatim(run):
    gen = load_gen_reference()
    assert f"### rnncli train\n\n```text\n{gen.help_text(['train']).rstrip()}\n```\n" in gen.reference()


def test_readme_command_reference_matches_help():
    readme = ROOT / "README.md"
    gen = load_gen_reference()
    current = gen.section(readme.read_text(encoding="utf-8")) if readme.exists() else None
    if current is None or "### rnncli" not in current:
        pytest.skip("README.md has no generated '## Command reference' section yet: paste the output of "
                    "python scripts/gen_reference.py (or run it with --write)")
    assert current == gen.reference().rstrip() + "\n", "run: python scripts/gen_reference.py --write"


def test_section_stops_at_the_next_heading_outside_code():
    gen = load_gen_reference()
    markdown = "# T\n\n## Command reference\n\n```text\n## not a heading\n```\n\n## Next\ntext\n"
    assert gen.section(markdown) == "## Command reference\n\n```text\n## not a heading\n```\n"
