"""Writing results: records as CSV or JSON to stdout or atomically to a file, messages on stderr."""

import csv
import os
import signal
import sys

import click

from ..text import escape_controls

EXIT_INTERRUPTED = 130


class CliError(click.ClickException):
    """One `Error: ...` line on stderr with the library error's exit code.

    Control characters inside the message (a column name or a model file's text may hold them) are
    shown escaped, as \\n or \\x1b (`text.escape_controls`).
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(escape_controls(message))
        self.exit_code = exit_code


def _cell(v):
    if isinstance(v, float):
        return "" if v != v else repr(v)
    return "" if v is None else v


class Chunks:
    """A text stream that passes what it is given to `target` in chunks of at least `size` characters.

    Small results reach stdout in one write even when Python's stdout is unbuffered
    (PYTHONUNBUFFERED, -u), so `rnncli predict m.joblib | head -1` never races the reader.
    """

    def __init__(self, target, size: int = 1 << 16):
        self.target, self.size, self.parts, self.length = target, size, [], 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.length += len(text)
        if self.length >= self.size:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.target.write("".join(self.parts))
            self.parts, self.length = [], 0
        self.target.flush()


def write_text(output: str, text_fn) -> None:
    """Write what `text_fn(stream)` writes to stdout, or atomically to a file."""
    if output == "-":
        stream = Chunks(sys.stdout)
        text_fn(stream)
        stream.flush()
        return
    from ..io.artifact import atomic_write

    check_writable(output)

    def write(fileobj):
        import io

        stream = io.TextIOWrapper(fileobj, encoding="utf-8", newline="")
        text_fn(stream)
        stream.flush()
        stream.detach()

    atomic_write(output, write)


def write_records(records: list[dict], output: str, fmt: str) -> None:
    """Records as CSV (header from the first record) or as a JSON array."""
    if fmt == "json":
        from .tables import to_json

        write_text(output, lambda s: s.write(to_json(records) + "\n"))
        return

    def csv_out(stream):
        if not records:
            return
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(list(records[0]))
        for r in records:
            w.writerow([_cell(v) for v in r.values()])

    write_text(output, csv_out)


def check_writable(path: str) -> None:
    """Fail before minutes of work when `path` cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CliError(f"cannot write to '{path}': it is a directory")
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise CliError(f"cannot write to '{path}': '{os.path.dirname(path)}' is not a directory")
    if not os.path.isdir(directory):
        raise CliError(f"cannot write to '{path}': directory '{os.path.dirname(path) or '.'}' does not exist")
    if not os.access(directory, os.W_OK):
        raise CliError(f"cannot write to '{path}': directory '{os.path.dirname(path) or '.'}' "
                       "is not writable")


def err_console():
    from .progress import stderr_console

    return stderr_console()


def say(text: str, console=None) -> None:
    """A plain message line on stderr."""
    from .progress import say

    say(console or err_console(), text)


class interruptible:
    """SIGINT sets a flag that training polls between batches, instead of raising mid-step.

    With `announce` the handler says at once that training stops; without, the caller says it
    (a live display prints it above its line, so the line is not drawn twice).
    """

    def __init__(self, announce: bool = True):
        self.announce = announce

    def __enter__(self):
        self.requested = False
        try:
            self._old = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread
            self._old = None
        return lambda: self.requested

    def _handler(self, signum, frame):
        if not self.requested and self.announce:
            from .progress import STOPPING

            sys.stderr.write(f"\n{STOPPING}\n")
        self.requested = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN if self.requested else self._old)
        return False


class ignoring_sigint:
    """Ctrl-C is ignored while a model file is written."""

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:
            self._old = None

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False
