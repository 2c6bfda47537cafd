"""Training progress on stderr: a live rich display on a terminal, plain lines elsewhere.

The engine reports through `on_epoch(EpochLog)`, and `many.train_many` through `on_result(result)`
once per series (`SeriesProgress`); this is the only module that draws.
The live display is redrawn from `on_epoch` at most `REFRESH_PER_SECOND` times a second, in
the training thread: an epoch costs one dictionary update however fast epochs are, and no
refresh thread competes with training for the GIL (rich's own thread cost 10-17 % on fast
epochs; see bench/progress_overhead.py). A slow epoch is followed by a redraw at once.
"""

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

REFRESH_PER_SECOND = 4
PLAIN_LINES = 20  # about this many lines per run when stderr is not a terminal


def stderr_console() -> Console:
    """The console for everything that is not data: stderr, colours only on a terminal."""
    return Console(stderr=True, highlight=False)


def say(console: Console, text: str) -> None:
    """One plain line: no markup (a path may hold brackets), no wrapping (it stays copyable)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4g}"


class TrainingProgress:
    """Context manager that shows epoch / total, train and validation MSSE, best epoch and ETA.

    MSSE here (the lecture's name for the training loss) is the mean over windows of the squared error
    summed over horizon and targets, in scaled units (`rnncli.engine.network`); it is not the M5
    competition's "mean squared scaled error", which divides by a naive forecast's in-sample error."""

    def __init__(self, console: Console, epochs: int, quiet: bool = False):
        self.console, self.epochs, self.quiet = console, epochs, quiet
        self.live = console.is_terminal and not quiet
        self.every = max(1, epochs // PLAIN_LINES)
        self._progress = None
        self._task = None
        self._label = ""
        self._last_log = None  # of the current variant
        self._printed = None  # the last log printed as a plain line

    def __enter__(self) -> "TrainingProgress":
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(),
                TextColumn("epoch {task.completed:>4.0f}/{task.total:.0f}"),
                TextColumn("train MSSE {task.fields[train]}"), TextColumn("val MSSE {task.fields[val]}"),
                TextColumn("best {task.fields[best]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=self.console, auto_refresh=False, transient=False)
            self._progress.__enter__()
            self._drawn = 0.0
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
        else:
            self._plain_last()

    def on_variant(self, kind: str, index: int, count: int) -> None:
        """A new training run starts (scaling `auto` trains `count` of them)."""
        self._label = f"scale {kind}" + (f" ({index}/{count})" if count > 1 else "")
        if self._progress is not None:
            self._task = self._progress.add_task(self._label, total=self.epochs, train="-", val="-", best="-")
        elif not self.quiet:
            self._plain_last()
            self._last_log = None
            say(self.console, f"training with {self._label}")

    def on_epoch(self, log) -> None:
        first = self._last_log is None  # epoch 1, or the first epoch of a resumed run
        self._last_log = log
        if self._progress is not None:
            self._progress.update(self._task, completed=log.epoch, train=_fmt(log.train_msse),
                                  val=_fmt(log.val_msse), best=str(log.best_epoch))
            now = time.monotonic()
            if now - self._drawn >= 1.0 / REFRESH_PER_SECOND or log.epoch == log.epochs:
                self._progress.refresh()
                self._drawn = now
        elif not self.quiet and (log.epoch % self.every == 0 or first):
            self._plain(log)

    def _plain_last(self) -> None:
        """The variant's final epoch as a plain line, when it was not printed already."""
        if not self.quiet and self._last_log is not None and self._last_log is not self._printed:
            self._plain(self._last_log)

    def _plain(self, log) -> None:
        self._printed = log
        say(self.console, f"epoch {log.epoch}/{log.epochs}  train MSSE {_fmt(log.train_msse)}  "
                          f"val MSSE {_fmt(log.val_msse)}  best epoch {log.best_epoch}")


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class SeriesProgress:
    """Context manager that counts the models of a many-series run (or a sweep) as they finish.

    On a terminal: a live bar with done / total, failed, elapsed time and ETA, redrawn from
    `on_result` at most `REFRESH_PER_SECOND` times a second. Elsewhere: a plain line each time
    about 1/PLAIN_LINES of the total more are done, and one for the last ("series 12/40 done,
    1 failed  elapsed 0:00:03  ETA 0:00:07"). `noun` names what is counted ("series", "models").
    """

    def __init__(self, console: Console, total: int, quiet: bool = False, noun: str = "series"):
        self.console, self.total, self.quiet, self.noun = console, total, quiet, noun
        self.live = console.is_terminal and not quiet and total > 0
        self.every = max(1, -(-total // PLAIN_LINES))
        self.done = self.failed = self.cancelled = 0
        self._progress = None
        self._printed = 0

    def __enter__(self) -> "SeriesProgress":
        self._start = time.monotonic()
        if self.live:
            self._progress = Progress(
                TextColumn(f"[bold]{self.noun}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("failed {task.fields[failed]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=self.console, auto_refresh=False, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.noun, total=self.total, failed=0)
            self._progress.refresh()
            self._drawn = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.refresh()
            self._progress.__exit__(*exc)
        elif not self.quiet and self.done and self._printed != self.done:
            self._plain()

    def on_result(self, result: dict) -> None:
        """One model is done: result["status"] is "ok", "failed" or "cancelled"."""
        self.done += 1
        if result["status"] == "failed":
            self.failed += 1
        elif result["status"] == "cancelled":
            self.cancelled += 1
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done, failed=self.failed + self.cancelled)
            now = time.monotonic()
            if now - self._drawn >= 1.0 / REFRESH_PER_SECOND or self.done == self.total:
                self._progress.refresh()
                self._drawn = now
        elif not self.quiet and (self.done % self.every == 0 or self.done == self.total):
            self._plain()

    def line(self) -> str:
        """The plain progress line for the counts so far."""
        elapsed = time.monotonic() - self._start
        text = f"{self.noun} {self.done}/{self.total} done, {self.failed} failed"
        if self.cancelled:
            text += f", {self.cancelled} cancelled"
        text += f"  elapsed {_clock(elapsed)}"
        if self.done < self.total:
            text += f"  ETA {_clock(elapsed / self.done * (self.total - self.done))}"
        return text

    def _plain(self) -> None:
        self._printed = self.done
        say(self.console, self.line())
