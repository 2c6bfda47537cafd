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
    """A loss in at most MSSE_WIDTH characters: 4 significant digits, 3 in exponent notation."""
    if value is None:
        return "-"
    if value != 0 and not 0.01 <= abs(value) < 1e4:
        return f"{value:.2e}"
    return f"{value:.4g}"


MSSE_WIDTH = 8  # the widest `_fmt` of a loss: 1.23e-05, 0.01234
CLOCK_WIDTH = 7  # 0:00:00
LABEL_WIDTH = 8  # the longest scaling name, standard
MIN_BAR = 10  # a narrower bar is dropped
MAX_BAR = 40
STOPPING = "stopping after this batch (Ctrl-C again is ignored while saving)..."

# The live line's layouts, most explicit first: the first that fits the terminal (with a bar if
# there is room for one) is used for the whole run. A piece whose template is None is dropped.
# Numbers are never cut: a layout is chosen only when its widest possible line fits.
_FULL = {"label": "scale {kind}{of}", "epoch": "epoch {epoch:>{w}}/{epochs}", "train": "train MSSE {train}",
         "val": "val MSSE {val}", "best": "best {best}", "elapsed": "{elapsed}", "eta": "ETA {eta}"}
LAYOUTS = (
    _FULL,
    {**_FULL, "label": "{kind}{of_short}", "epoch": "epoch {epoch}/{epochs}", "train": "train {train}",
     "val": "val {val}"},
    {**_FULL, "label": "{kind}", "epoch": "{epoch}/{epochs}", "train": "train {train}", "val": "val {val}"},
    {**_FULL, "label": "{kind}", "epoch": "{epoch}/{epochs}", "train": "train {train}", "val": "val {val}",
     "elapsed": None},
    {"label": "{kind}", "epoch": "{epoch}/{epochs}", "train": "trn {train}", "val": "val {val}", "best": None,
     "elapsed": None, "eta": "ETA {eta}"},
    {"label": None, "epoch": "{epoch}/{epochs}", "train": "trn {train}", "val": "val {val}", "best": None,
     "elapsed": None, "eta": "ETA {eta}"},
)
PIECES = ("epoch", "train", "val", "best", "elapsed", "eta")


class TrainingProgress:
    """Context manager that shows epoch / total, train and validation MSSE, best epoch, time and ETA.

    On a terminal the live line fits the console's width: it drops the bar, then abbreviates
    and drops labels (`LAYOUTS`), never cutting a number. During a variant's first epoch it
    counts batches (`on_batch`), so a slow first epoch does not look frozen. Each variant's
    clock stops when the variant ends; its line then says `done`. Elsewhere: plain lines.

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
        self._stopping = False

    def __enter__(self) -> "TrainingProgress":
        if self.live:
            self._drawn = 0.0
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._end_variant()
            self._progress.__exit__(*exc)
        else:
            self._plain_last()

    # -- callbacks ----------------------------------------------------------------------------

    def on_variant(self, kind: str, index: int, count: int) -> None:
        """A new training run starts (scaling `auto` trains `count` of them)."""
        self._label = f"scale {kind}" + (f" ({index}/{count})" if count > 1 else "")
        if self.live:
            self._end_variant()
            self._kind, self._of = kind, ((index, count) if count > 1 else None)
            self._start, self._end = time.monotonic(), None
            self._batch = None
            self._last_log = None
            if self._progress is None:
                self._layout, bar = self._choose_layout()  # once: every variant's line looks the same
                columns = [TextColumn("{task.fields[head]}", markup=False)] if self._layout["label"] else []
                if bar:
                    columns.append(BarColumn(bar_width=bar))
                columns.append(TextColumn("{task.fields[tail]}", markup=False))
                self._progress = Progress(*columns, console=self.console, auto_refresh=False,
                                          transient=False)
                self._progress.__enter__()
            head, tail = self._texts()
            self._task = self._progress.add_task(self._label, total=self.epochs, head=head, tail=tail)
            self._draw(force=True)
        elif not self.quiet:
            self._plain_last()
            self._last_log = None
            say(self.console, f"training with {self._label}")

    def on_batch(self, epoch: int, batch: int, n_batches: int) -> None:
        """Batch progress, shown only until the variant's first epoch ends (then a no-op)."""
        if self._progress is None or self._last_log is not None:
            return
        self._batch = (epoch, batch, n_batches)
        self._draw()

    def on_epoch(self, log) -> None:
        first = self._last_log is None  # epoch 1, or the first epoch of a resumed run
        self._last_log = log
        if self._progress is not None:
            if first:
                self._first_epoch = log.epoch
            self._batch = None
            self._draw(force=first or log.epoch == log.epochs)
        elif not self.quiet and (log.epoch % self.every == 0 or first):
            self._plain(log)

    def stopping(self) -> None:
        """Ctrl-C was pressed: say once that training stops after this batch (above the live line)."""
        if self.live and not self._stopping:  # elsewhere the signal handler said it already
            self._stopping = True
            say(self.console, STOPPING)

    # -- the live line ------------------------------------------------------------------------

    def _end_variant(self) -> None:
        """Stop the variant's clock and draw its final line."""
        if self._progress is not None and self._end is None:
            self._end = time.monotonic()
            self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 1.0 / REFRESH_PER_SECOND:
            return
        head, tail = self._texts()
        log = self._last_log
        done = log.epoch if log is not None else (self._batch[1] / self._batch[2] if self._batch else 0)
        if log is None and self._batch and self._batch[0] > 1:  # a resumed run's first epoch
            done = self._batch[0] - 1 + self._batch[1] / self._batch[2]
        self._progress.update(self._task, completed=done, head=head, tail=tail)
        self._progress.refresh()
        self._drawn = now

    def _values(self, worst: bool = False) -> dict:
        """The numbers of the line now, or (worst) the widest they can become."""
        log, w = self._last_log, max(4, len(str(self.epochs)))
        kind = self._kind.ljust(LABEL_WIDTH) if worst else self._kind
        of = f" ({self._of[0]}/{self._of[1]})" if self._of else ""
        of_short = f" {self._of[0]}/{self._of[1]}" if self._of else ""
        if worst:
            wide = "9" * MSSE_WIDTH
            return {"kind": kind, "of": of, "of_short": of_short, "w": w, "epoch": self.epochs,
                    "epochs": self.epochs, "train": wide, "val": wide, "best": self.epochs,
                    "elapsed": "9" * CLOCK_WIDTH, "eta": "9" * CLOCK_WIDTH}
        end = self._end if self._end is not None else time.monotonic()
        elapsed = end - self._start
        if self._end is not None:
            eta = "done"
        elif log is not None and log.epoch > self._first_epoch - 1:
            ran = log.epoch - self._first_epoch + 1
            eta = _clock(elapsed / ran * (log.epochs - log.epoch))
        elif self._batch is not None:
            epoch, batch, n = self._batch
            eta = _clock(elapsed / batch * (n - batch + (self.epochs - epoch) * n))
        else:
            eta = "-:--:--"
        return {"kind": kind, "of": of, "of_short": of_short, "w": w,
                "epoch": log.epoch if log is not None else (self._batch[0] if self._batch else 0),
                "epochs": self.epochs, "train": _fmt(log.train_msse) if log else "-",
                "val": _fmt(log.val_msse) if log else "-", "best": str(log.best_epoch) if log else "-",
                "elapsed": _clock(elapsed), "eta": eta}

    def _pieces(self, layout: dict, values: dict) -> tuple[list, list]:
        head = [layout["label"].format(**values)] if layout["label"] else []
        tail = [layout[k].format(**values) for k in PIECES if layout[k]]
        return head, tail

    def _texts(self) -> tuple[str, str]:
        values = self._values()
        head, tail = self._pieces(self._layout, values)
        if self._last_log is None and self._batch is not None:  # first epoch: batches instead of losses
            _, batch, n = self._batch
            pieces = zip(PIECES, self._pieces_all(values), strict=True)
            keep = [t for k, t in pieces if k in ("epoch", "elapsed", "eta") and t]
            tail = [keep[0], f"batch {batch}/{n}", *keep[1:]]
        return "  ".join(head), "  ".join(tail)

    def _pieces_all(self, values: dict) -> list:
        layout = self._layout
        return [layout[k].format(**values) if layout[k] else None
                for k in PIECES]

    def _choose_layout(self) -> tuple[dict, int]:
        """The first layout whose widest line fits the console, and the bar's width (0: no bar)."""
        width = self.console.width
        worst = self._values(worst=True)
        for layout in LAYOUTS:
            head, tail = self._pieces(layout, worst)
            text = len("  ".join(head)) + len("  ".join(tail)) + 1  # the columns are 1 space apart
            room = width - text - 2  # the bar column, its space, and one spare column
            if room >= MIN_BAR:
                return layout, min(MAX_BAR, room)
            if room >= -1:
                return layout, 0
        return LAYOUTS[-1], 0

    # -- plain lines ----------------------------------------------------------------------------

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
