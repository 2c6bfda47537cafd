"""Library messages name the arguments of the Python API; the command line shows the flags instead.

Read from the source: every string of rnncli/model, io and multi that names an argument in
backticks (`past`, `fill='drop'`) says, as the CLI prints it (`errors.cli_text`), what the command
line said before the library named arguments (tests/data/cli_messages.json: the flag texts of
7b1ffe6, each field shown as written, and the flag of an argument named by a variable x as
{FLAGS[x]}: the tests that raise those errors check their flags); no other library string names
a flag, save the few kept on purpose; and `errors.FLAGS` maps each argument to the option the CLI
declares for it.
"""

import ast
import json
import re
from pathlib import Path

import rnncli
from rnncli import errors
from rnncli.cli import COMMANDS, cli

PACKAGE = Path(rnncli.__file__).resolve().parent
LIBRARY = sorted(p for layer in ("model", "io", "multi") for p in (PACKAGE / layer).glob("*.py"))
OLD_TEXTS = Path(__file__).resolve().parents[1] / "data" / "cli_messages.json"

# Strings that still name a flag, and why: the scaling's reason for an explicit --scale is stored in the
# model file (the same file from Python and the CLI) and printed as it is by `train --format json`;
# "rnncli train --id-col" and "-o" tell a command-line user what to type.
KEPT = {"rnncli/model/anchor.py": ["--scale {kind} was given", "--scale seasonal was given"],
        "rnncli/io/like.py": ["'{directory}' records no id column, so DATA cannot be split into its series; "
                              "predict without DATA, or train the directory with rnncli train --id-col"],
        "rnncli/io/files.py": ["-o {text} is also {label}: the command would overwrite its own input; "
                               "choose another output file"]}
FLAG = re.compile(r"(?<![\w-])(--[a-z]|-[a-z] |-j/)")


def strings(path: Path) -> list[ast.Constant | ast.JoinedStr]:
    """The string literals and f-strings of a module, in source order, without docstrings."""
    tree = ast.parse(path.read_text("utf-8"))
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            inner.add(id(node.value))  # a docstring or a bare string: not a message
        if isinstance(node, ast.JoinedStr):
            inner.update(id(part) for part in node.values)
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            inner.add(id(node.format_spec))
    found = [n for n in ast.walk(tree) if id(n) not in inner and (
        isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str)))]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def template(node, cli: bool = False) -> str:
    """A string's text with each {field} shown as written ('{x}' for {x!r}, whose value is quoted); with
    `cli`, as the command line says it (`errors.cli_text`), an argument named by a variable
    (`{name}`) shown as {FLAGS[name]}, its flag."""
    if isinstance(node, ast.Constant):
        return errors.cli_text(node.value) if cli else node.value
    text, fields, names = "", {}, {}  # fields and argument names stand in the text as tokens
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += part.value
            continue
        expr = ast.unparse(part.value)
        if text.endswith("`") and text.count("`") % 2:  # the argument's name: `{name}`, `{name}={value}`
            token = "name_" + "".join(chr(ord("a") + int(d)) for d in str(len(names)))
            names[token] = "{FLAGS[" + expr + "]}"
            text += token
            continue
        token = f"\ue000{len(fields)}\ue001"
        spec = "" if part.format_spec is None else ":" + template(part.format_spec)
        conversion = "" if part.conversion in (-1, ord("r")) else "!" + chr(part.conversion)
        fields[token] = "{" + expr + conversion + spec + "}"
        text += f"'{token}'" if part.conversion == ord("r") else token
    text = errors.cli_text(text, {**errors.FLAGS, **names}) if cli else text
    for token, shown in {**fields, **names}.items():
        text = text.replace(token, shown)
    return text


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_every_message_naming_an_argument_says_what_the_command_line_said_before():
    old = json.loads(OLD_TEXTS.read_text("utf-8"))
    said = {}
    for path in LIBRARY:
        named = [template(s, cli=True) for s in strings(path) if "`" in template(s)]
        if named:
            said[relative(path)] = named
    assert list(said) == list(old)
    for name in old:
        assert said[name] == old[name], name


def test_no_library_message_names_a_flag_but_those_kept_on_purpose():
    flags = {}
    for path in LIBRARY:
        found = [template(s) for s in strings(path) if FLAG.search(template(s))]
        if found:
            flags[relative(path)] = found
    assert flags == KEPT


# Every module below the CLI whose messages the CLI may print (threads.py's `threads` too); errors.py's
# own strings are the pattern that finds the names.
BELOW_CLI = sorted(p for p in PACKAGE.rglob("*.py")
                   if p.relative_to(PACKAGE).parts[0] != "cli" and p.name != "errors.py")


def test_a_message_names_only_arguments_that_have_a_flag():
    assert set(LIBRARY) < set(BELOW_CLI)
    assert PACKAGE / "threads.py" in BELOW_CLI
    for path in BELOW_CLI:
        for s in strings(path):
            said = template(s, cli=True)
            assert "`" not in said, f"{relative(path)} line {s.lineno}: an argument without a flag: {said}"


def test_each_flag_is_the_cli_option_of_that_argument():
    options = {}
    for name in COMMANDS:
        for param in cli.commands[name].params:
            if param.opts[0].startswith("-"):
                options.setdefault(param.name, set()).add("/".join(param.opts))
    options["series_id"] = options.pop("ids")  # --id VALUE... chooses series: load_series(path, series_id)
    for argument, flag in errors.FLAGS.items():
        assert options.get(argument) == {flag}, argument
    cli_only = {"fmt", "output", "quiet", "resume", "plot", "precision", "audit", "all_windows"}
    assert set(options) - cli_only == set(errors.FLAGS)  # every option the library has an argument for
