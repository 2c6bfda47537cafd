"""`rnncli completion SHELL` and what Tab completes."""

import pytest
from click.shell_completion import ShellComplete

from rnncli.cli import cli


@pytest.mark.parametrize(("shell", "marker"), [("bash", "_RNNCLI_COMPLETE=bash_complete"),
                                               ("zsh", "_RNNCLI_COMPLETE=zsh_complete"),
                                               ("fish", "_RNNCLI_COMPLETE=fish_complete")])
def test_completion_prints_the_shells_script_on_stdout(run, shell, marker):
    result = run("completion", shell)
    assert result.exit_code == 0, result.stderr
    assert marker in result.stdout
    assert result.stderr == ""


def test_completion_of_an_unknown_shell_is_a_usage_error(run, error_line):
    line = error_line(run("completion", "tcsh"), 2, usage=True)
    assert line == "Error: Invalid value for 'SHELL': 'tcsh' is not one of 'bash', 'zsh', 'fish'."


def completions(args: list[str], incomplete: str) -> list[tuple[str, str]]:
    items = ShellComplete(cli, {}, "rnncli", "_RNNCLI_COMPLETE").get_completions(args, incomplete)
    return [(item.type, item.value) for item in items]


@pytest.mark.parametrize("args", [["window"], ["train"], ["sweep"], ["predict"], ["evaluate"], ["info"],
                                  ["predict", "m.joblib"], ["evaluate", "m.joblib"]])
def test_data_and_model_arguments_complete_file_names(args):
    assert completions(args, "sample_da") == [("file", "sample_da")]  # the shell lists the files


def test_plot_completes_file_names_and_commands_complete_by_name():
    assert completions(["info", "m.joblib", "--plot"], "cu") == [("file", "cu")]
    assert ("plain", "completion") in completions([], "comp")
