"""Every example in the commands' --help runs after the README's quick start (or, when it names a
file that only the user has, parses: its options and values are valid).

The examples are taken from the help text itself (lines that start with `rnncli` or `cat ... | rnncli`,
with backslash continuations), in the order `gen_reference.py` prints them, and run one after the other
in one directory holding sample_data/ and the quick start's airline.joblib. Training examples run with
one epoch (a --resume to --epochs N: to 3) so the suite stays fast; everything else
runs as written. Pipes after the rnncli command (`| head -3`, `| jq ...`) and redirections (`> f.csv`)
are left to the shell: the command's own output is checked to be a success.
"""

import importlib.util
import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnncli.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def quick_start() -> list[list[str]]:
    """The rnncli commands of README.md's quick start (its first ```sh block)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(part.strip())[1:] for part in block.replace("\n", " ").split("&&")
            if part.strip().startswith(".venv/bin/rnncli ")]

# Files and addresses in examples that stand for the user's own (a long CSV, a model directory, a
# download, a cluster): such an example is parsed, not run.
PLACEHOLDERS = {"long.csv", "new.csv", "new_long.csv", "models/", "downloaded.joblib", "tcp://host:8786"}


def help_examples() -> list[tuple[str, str]]:
    """(command, example line) for every example in the group's and each command's help."""
    examples = []
    for name in [None, *cli.commands]:
        args = [name, "--help"] if name else ["--help"]
        text = CliRunner().invoke(cli, args, prog_name="rnncli", terminal_width=100).stdout
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            if line.startswith("rnncli ") or (line.startswith("cat ") and "| rnncli " in line):
                while line.endswith("\\"):
                    i += 1
                    line = line[:-1] + " " + lines[i].strip()
                examples.append((name or "rnncli", line))
            i += 1
    return examples


EXAMPLES = help_examples()


def command_of(example: str) -> tuple[list[str], str | None]:
    """The rnncli arguments of an example line, and the file piped into it on stdin (`cat FILE |`)."""
    stages = [shlex.split(stage) for stage in example.split(" | ")]
    stdin = None
    if stages[0][0] == "cat":
        stdin = stages[0][1]
        stages = stages[1:]
    words = stages[0]
    assert words[0] == "rnncli", example
    if ">" in words:  # a redirection of stdout: the shell's part
        words = words[: words.index(">")]
    return words[1:], stdin


def fewer_epochs(args: list[str]) -> list[str]:
    if args[0] not in ("train", "sweep"):
        return args
    if "--epochs" in args:
        args = list(args)
        args[args.index("--epochs") + 1] = "3"
        return args
    return [*args, "--epochs", "1"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory with sample_data/ and the quick start's model, as a user has after the quick start."""
    root = tmp_path_factory.mktemp("quickstart")
    (root / "sample_data").symlink_to(ROOT / "sample_data")
    return root


def test_the_help_has_examples_of_every_command():
    assert {command for command, _ in EXAMPLES} == {"rnncli", *cli.commands}


@pytest.mark.slow
def test_every_help_example_runs_after_the_quick_start(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    runner = CliRunner()
    steps = quick_start()
    assert [args[0] for args in steps] == ["train", "evaluate"]
    for args in steps:
        result = runner.invoke(cli, fewer_epochs(args), prog_name="rnncli")
        assert result.exit_code == 0, result.stderr
    parsed_only = []
    for command, example in EXAMPLES:
        args, stdin = command_of(example)
        if PLACEHOLDERS & {*args, stdin}:
            # the user's own files: the options and their values must parse
            sub = cli.commands[args[0]]
            with sub.make_context(args[0], args[1:], parent=cli.make_context("rnncli", [args[0]])) as ctx:
                assert ctx.params, example
            parsed_only.append(example)
            continue
        text = (workdir / stdin).read_text() if stdin and stdin != "new.csv" else None
        result = runner.invoke(cli, fewer_epochs(args), input=text, prog_name="rnncli")
        if "--plot" in args and importlib.util.find_spec("matplotlib") is None:
            # without the plot extra (the README's plain test command) the example says what to install
            assert result.exit_code == 1, example
            assert result.stderr.startswith("Error: --plot needs matplotlib: "), result.stderr
            assert "[plot]" in result.stderr, result.stderr
            continue
        assert result.exit_code == 0, f"{command} --help example failed: {example}\n{result.stderr}"
        assert "Error" not in result.stderr, example
        if " | jq ." in example:  # the key the example picks is in the JSON
            key = example.split(" | jq .")[1].split()[0]
            assert key in json.loads(result.stdout), example
    assert len(parsed_only) < len(EXAMPLES) / 2  # most examples really run


@pytest.mark.parametrize("name", [None, *cli.commands])
def test_help_fits_an_80_column_terminal_and_shows_no_markdown(name):
    """Examples are not rewrapped by click: each must fit 80 columns (backslash continuations), and the
    help quotes names as text does, without markdown backticks."""
    args = [name, "--help"] if name else ["--help"]
    text = CliRunner().invoke(cli, args, prog_name="rnncli", terminal_width=80).stdout
    assert [line for line in text.splitlines() if len(line) > 80] == []
    assert "`" not in text
