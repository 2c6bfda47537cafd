"""Print README.md's "## Command reference" section, generated from every command's --help.

    python scripts/gen_reference.py            # print the section (paste it into README.md)
    python scripts/gen_reference.py --check    # exit 1 when README.md's section differs from it
    python scripts/gen_reference.py --write    # replace the section in README.md

The help is rendered 100 columns wide (the CLI's max_content_width) whatever the terminal, so the
text is the same everywhere.
tests/cli/test_cli_pipeline.py fails when README.md and this output drift apart.
"""

import sys
from pathlib import Path

from click.testing import CliRunner

from rnncli.cli import cli

HEADING = "## Command reference"
WIDTH = 100
README = Path(__file__).resolve().parent.parent / "README.md"


def help_text(args: list[str]) -> str:
    """`rnncli ARGS --help`, as printed on a terminal WIDTH columns wide."""
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="rnncli", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"rnncli {' '.join(args)} --help failed: {result.stderr or result.exception!r}")
    return result.stdout


def reference() -> str:
    """The markdown section: the group's help, then each command's, in the order they are defined."""
    parts = [HEADING, "",
             "Generated from `--help` by `python scripts/gen_reference.py`; a test fails when they differ.",
             ""]
    for args in [[], *([name] for name in cli.commands)]:
        parts += [f"### {' '.join(['rnncli', *args])}", "", "```text", help_text(args).rstrip(), "```", ""]
    return "\n".join(parts)


def section(markdown: str) -> str | None:
    """The text of the "## Command reference" section (to the next "## " heading), or None."""
    lines = markdown.splitlines()
    if HEADING not in lines:
        return None
    start = lines.index(HEADING)
    end, in_fence = len(lines), False
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("```"):
            in_fence = not in_fence
        elif lines[i].startswith("## ") and not in_fence:  # a "## " inside a fenced block is text
            end = i
            break
    return "\n".join(lines[start:end]).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = reference().rstrip() + "\n"
    if not argv:
        sys.stdout.write(text)
        return 0
    readme = README.read_text(encoding="utf-8")
    current = section(readme)
    if argv == ["--check"]:
        if current == text:
            return 0
        sys.stderr.write("README.md's command reference is out of date: "
                         "run python scripts/gen_reference.py --write\n")
        return 1
    if argv == ["--write"]:
        if current is None:
            README.write_text(readme.rstrip() + "\n\n" + text, encoding="utf-8")
        else:
            README.write_text(readme.replace(current.rstrip(), text.rstrip(), 1), encoding="utf-8")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
