"""Writing results: records as CSV or JSON to stdout or atomically to a file, messages on stderr."""

import csv
import signal
import sys

import click

from ..errors import cli_text
from ..text import escape_controls


class CliError(click.ClickException):
    """One `Error: ...` line on stderr with the library error's exit code.

    The library's messages name arguments (`past`); this line names their flags (--past, `cli_text`).
    Control characters inside the message (a column name or a model file's text may hold them) are
    shown escaped, as \\n or \\x1b (`text.escape_controls`).
    """

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(escape_controls(cli_text(message)))
        self.exit_code = exit_code


def with_flags(record: dict, *keys) -> dict:
    """`record` with the library messages under `keys` (those present) naming flags, not arguments."""
    return {**record, **{k: cli_text(record[k]) for k in keys if isinstance(record.get(k), str)}}


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
    from ..io.files import atomic_write

    def write(fileobj):
        import io

        stream = io.TextIOWrapper(fileobj, encoding="utf-8", newline="")
        text_fn(stream)
        stream.flush()
        stream.detach()

    with ignoring_signals():  # a signal now would leave a temp file beside the output
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


def check_writable(path, inputs=None) -> str:
    """Refuse, before any work, an output that cannot or should not be written; the path to write.

    See `rnncli.io.files.check_output`: inputs is {label: path} of the command's own inputs.
    """
    from ..io.files import check_output

    return check_output(path, inputs=inputs)


def err_console():
    from .progress import stderr_console

    return stderr_console()


def say(text: str, console=None) -> None:
    """A plain message line on stderr; arguments a library message names are shown as flags (`cli_text`)."""
    from .progress import say

    say(console or err_console(), cli_text(text))


# The signals that stop a run cleanly, and the exit status of a run they stopped: 128 + the signal's
# number, as a shell reports a process killed by it (Ctrl-C 130, SIGHUP 129, SIGTERM 143).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def exit_status(signum: int) -> int:
    """The exit status of a run stopped by signal `signum`: 128 + its number."""
    return 128 + int(signum)


class interruptible:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP stop a run cleanly instead of killing it mid-write.

    By default the first one sets a flag that training polls between batches (`with interruptible()
    as stop: fit(should_stop=stop)`); with raising=True it raises KeyboardInterrupt in the main thread
    instead (many-series runs, whose training happens in other processes). Either way every later one
    is ignored until the process exits, so saving what was trained cannot be cut short. With
    `announce` the handler says at once that the run stops; without, the caller says it (a live
    display prints it above its line, so the line is not drawn twice). `signum` is the signal
    received (None if none), `exit_code` the status to exit with (`exit_status`).
    """

    def __init__(self, raising: bool = False, announce: bool = True):
        self.raising, self.announce = raising, announce
        self.signum = None
        self._old = {}

    @property
    def exit_code(self) -> int:
        return exit_status(self.signum or signal.SIGINT)

    def __enter__(self):
        self.signum = None
        for signum in STOP_SIGNALS:
            try:
                self._old[signum] = signal.signal(signum, self._handler)
            except ValueError:  # not the main thread
                break
        return lambda: self.signum is not None

    def _handler(self, signum, frame):
        if self.signum is not None:
            return
        self.signum = signum
        _ignore_stop_signals()
        if self.announce:
            from .progress import STOPPING

            note = STOPPING if signum == signal.SIGINT else \
                f"{signal.Signals(signum).name} received: stopping after this batch (further signals are " \
                "ignored while saving)..."
            sys.stderr.write(f"\n{note}\n")
        if self.raising:
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.signum is None:
            for signum, old in self._old.items():
                signal.signal(signum, old)
        return False


def _ignore_stop_signals() -> None:
    for signum in STOP_SIGNALS:
        try:
            signal.signal(signum, signal.SIG_IGN)
        except ValueError:
            return


class ignoring_signals:
    """Ctrl-C, SIGTERM and SIGHUP are ignored while a result is written (no half-written work, no temp
    file left); the handlers in force before are restored afterwards."""

    def __enter__(self):
        self._old = {}
        for signum in STOP_SIGNALS:
            try:
                self._old[signum] = signal.signal(signum, signal.SIG_IGN)
            except ValueError:
                break

    def __exit__(self, *exc):
        for signum, old in self._old.items():
            signal.signal(signum, old)
        return False
