"""The model directory: one model file per series, a manifest.json and a failures.csv.

A model directory holds `manifest.json` (format "rnncli-model-dir", options, the data's sha256, and per
series its id, file, status, validation scores and error), one `series/<safe-id>.joblib` per trained
series (an ordinary rnncli model file), and `failures.csv` (id,error) when any series failed. Files are
written atomically; a manifest with "complete": false is the state of an interrupted run.

    >>> with ModelDirWriter("models", ids=table.series, info=dir_info(table, options)) as out:
    ...     results = train_many(table.series, options, on_result=out.add)     # rnncli.multi.parallel
    >>> model = load_series("models", "store-7")             # reads the manifest and one file
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping

from .. import __version__
from ..errors import ArtifactError, ConfigError, RnncliError, TrainingError
from ..model.forecaster import Forecaster
from . import artifact
from .csv import LongTable, series_sha256

__all__ = ["DIR_FORMAT", "DIR_FORMAT_VERSION", "MANIFEST", "ModelDirWriter", "Result", "already_trained",
           "check_options", "dir_info", "is_model_dir", "load_series", "read_manifest", "safe_id", "safe_ids",
           "write_model_dir"]

DIR_FORMAT = "rnncli-model-dir"


DIR_FORMAT_VERSION = 1


MANIFEST = "manifest.json"


FAILURES = "failures.csv"


SERIES_DIR = "series"


STATUSES = ("ok", "failed", "cancelled")


_PLAIN_ID = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9_-])?")


_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?")  # names Windows will not create


_SERIES_FILE = re.compile(r"series/[a-z0-9](?:[a-z0-9._-]{0,200})\.joblib")


Result = dict  # {id, status, error, val_rmse, naive_rmse, epochs_run, rows, seconds, data_sha256, artifact}


def safe_id(value, digits: int = 8) -> str:
    """A file name for a series id: the id itself when it is already a plain lower-case name, else
    an ASCII slug of it and the first `digits` hex digits of its SHA-256 ("A/B" -> "a-b-5c3f...").

    Plain means [a-z0-9._-], at most 64 characters, starting with a letter or digit, not ending with a
    dot, no "..", and not a name Windows reserves (con, nul, com1...). The result never holds a path
    separator, and is distinct for distinct ids on case-insensitive filesystems too: upper case is
    never kept as is. `safe_ids` settles the (astronomically rare) collisions of a whole set.
    """
    text = str(value)
    if _PLAIN_ID.fullmatch(text) and ".." not in text and not _RESERVED.fullmatch(text):
        return text
    return _hashed(text, digits)


def safe_ids(values: Iterable) -> dict[str, str]:
    """{str(id): file name} for a set of ids, distinct even ignoring case.

    Each name is `safe_id(id)`; ids whose names clash get a longer hash (16, 32, then all 64 hex
    digits), so the result does not depend on the order of `values`.
    """
    texts = [str(v) for v in values]
    if len(set(texts)) != len(texts):
        dup = next(t for t in texts if texts.count(t) > 1)
        raise ConfigError(f"the series id {dup!r} appears twice")
    names = {t: safe_id(t) for t in texts}
    digits = 8
    while True:
        owners: dict[str, list[str]] = {}
        for text, name in names.items():
            owners.setdefault(name.casefold(), []).append(text)
        clashes = [group for group in owners.values() if len(group) > 1]
        if not clashes or digits >= 64:
            return names
        digits *= 2
        for group in clashes:
            for text in group:
                names[text] = _hashed(text, digits)


def _hashed(text: str, digits: int) -> str:
    """An ASCII slug of `text` and the first `digits` hex digits of its SHA-256."""
    slug = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", slug).strip("-_")[:48].strip("-_") or "series"
    return f"{slug}-{_digest(text)[:digits]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def check_options(options: dict) -> dict:
    """Forecaster's full parameters for `options`, checked here before any work is sent anywhere."""
    try:
        return Forecaster(**options).get_params()
    except TypeError:
        known = Forecaster(1, 1).get_params()
        unknown = [k for k in options if k not in known]
        if not unknown:
            raise
        raise ConfigError(f"unknown training option {unknown[0]!r}; known: {', '.join(known)}") from None


def dir_info(table: LongTable | None, options: dict, **extra) -> dict:
    """The run-level manifest fields: options (all of Forecaster's), data sha256, id column, source."""
    info = {"options": check_options(options), "data_sha256": None, "id_col": None, "source": None}
    if table is not None:
        info.update(data_sha256=table.sha256, id_col=table.id_col, source=table.source)
    info.update(extra)
    return info


def is_model_dir(path) -> bool:
    """True when `path` is a directory holding a manifest.json (what `load_series` reads)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, MANIFEST))


class ModelDirWriter:
    """Write a model directory as results arrive: each series file at once, the manifest with it.

    ids: every series id of the run, in the order the manifest lists them. info: `dir_info(...)`.
    keep: manifest entries of series already trained (see `already_trained`), carried over as they
    are. The directory gets its manifest ("complete": false) the moment it is created, before any
    series file. `add(result)` writes `series/<safe-id>.joblib` for an ok result (atomically), then
    records the entry and rewrites the manifest (atomically) when `flush_seconds` (default 0: after
    every result) have passed, so a run killed at any moment can be resumed (`already_trained` adopts
    a series file written just before the kill). `close()` (or leaving the `with` block, even on an
    error) writes the final manifest and `failures.csv`, or removes a stale `failures.csv`.
    """

    def __init__(self, path, *, ids: Iterable, info: dict, keep: Mapping | None = None,
                 flush_seconds: float = 0.0):
        self.path = os.fspath(path)
        self.ids = [str(i) for i in ids]
        self.info = dict(info)
        self.names = safe_ids(self.ids)
        self.entries: dict[str, dict] = {str(k): dict(v) for k, v in (keep or {}).items()}
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self._closed = False
        _prepare_dir(self.path)
        if not os.path.isfile(os.path.join(self.path, MANIFEST)):
            self.flush()  # a new directory is a model directory from its first moment
        os.makedirs(os.path.join(self.path, SERIES_DIR), exist_ok=True)

    def __enter__(self) -> ModelDirWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, result: Result) -> None:
        """Record one result (writing its model file when it is ok)."""
        key = str(result["id"])
        if key not in self.names:
            raise ConfigError(f"series {key!r} is not one of this model directory's ids")
        file = None
        if result["status"] == "ok":
            file = f"{SERIES_DIR}/{self.names[key]}.joblib"
            artifact.save(result["artifact"], os.path.join(self.path, *file.split("/")))
        self.entries[key] = {
            "id": key, "file": file, "status": result["status"], "error": result["error"],
            "rows": result.get("rows"), "data_sha256": result.get("data_sha256"),
            "val_rmse": result["val_rmse"], "naive_rmse": result["naive_rmse"],
            "snaive_rmse": result.get("snaive_rmse"), "epochs_run": result["epochs_run"],
            "seconds": None if result.get("seconds") is None else round(float(result["seconds"]), 4)}
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def manifest(self) -> dict:
        """The manifest as it stands: entries in `ids` order, counts, "complete" when all are in."""
        series = [self.entries[i] for i in self.ids if i in self.entries]
        counts = {s: sum(e["status"] == s for e in series) for s in STATUSES}
        return {"format": DIR_FORMAT, "format_version": DIR_FORMAT_VERSION, "rnncli_version": __version__,
                **self.info, "complete": len(series) == len(self.ids), "counts": counts, "series": series}

    def flush(self) -> None:
        """Rewrite manifest.json with the entries so far."""
        text = json.dumps(self.manifest(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        artifact.atomic_write(os.path.join(self.path, MANIFEST), lambda f: f.write(text.encode("utf-8")),
                              what="manifest")
        self._last_flush = time.monotonic()

    def close(self) -> dict:
        """Write the final manifest and failures.csv; returns the manifest."""
        if self._closed:
            return self.manifest()
        self._closed = True
        manifest = self.manifest()
        failed = [e for e in manifest["series"] if e["status"] == "failed"]
        failures = os.path.join(self.path, FAILURES)
        if failed:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["id", "error"])
            writer.writerows([e["id"], e["error"]] for e in failed)
            data = out.getvalue().encode("utf-8")
            artifact.atomic_write(failures, lambda f: f.write(data), what="failures.csv")
        elif os.path.exists(failures):
            os.remove(failures)
        self.flush()
        return manifest


def write_model_dir(path, results: list[Result], info: dict) -> dict:
    """Write a whole model directory from `train_many`'s results at once; returns the manifest."""
    with ModelDirWriter(path, ids=[r["id"] for r in results], info=info) as out:
        for result in results:
            out.add(result)
    return out.manifest()


def _prepare_dir(path: str) -> None:
    """Create the directory; refuse a file, or a non-empty directory that is not a model directory."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise RnncliError(f"cannot write a model directory to '{path}': it is a file; "
                          "choose a directory name")
    if os.path.isdir(path) and os.listdir(path) and not os.path.exists(os.path.join(path, MANIFEST)):
        raise RnncliError(f"'{path}' is not empty and is not an rnncli model directory; "
                          "choose a new or empty directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise RnncliError(f"cannot create the model directory '{path}': {e.strerror or e}") from None


def read_manifest(path) -> dict:
    """The checked manifest of a model directory (ArtifactError when it is missing, corrupt or newer)."""
    directory = os.fspath(path)
    if not os.path.isdir(directory):
        problem = "is a file, not a model directory" if os.path.exists(directory) else "does not exist"
        raise ArtifactError(f"'{directory}' {problem}")
    name = os.path.join(directory, MANIFEST)
    try:
        with open(name, "rb") as f:
            manifest = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"'{directory}' has no {MANIFEST}: it is not an rnncli model directory, or "
                            "its training never finished; train it again") from None
    except OSError as e:
        raise ArtifactError(f"cannot read '{name}': {e.strerror or e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ArtifactError(f"'{name}' is corrupt: {' '.join(str(e).split())}; train the directory again"
                            ) from None
    problem = _manifest_problem(manifest)
    if problem:
        raise ArtifactError(f"'{name}' is not a valid rnncli manifest: {problem}")
    if manifest["format_version"] > DIR_FORMAT_VERSION:
        raise ArtifactError(f"'{name}' has format version {manifest['format_version']}, newer than this "
                            f"rnncli ({__version__}) reads ({DIR_FORMAT_VERSION}); upgrade rnncli")
    return manifest


def _manifest_problem(m) -> str | None:
    if not isinstance(m, dict) or m.get("format") != DIR_FORMAT:
        return f"'format' should be {DIR_FORMAT!r}"
    if type(m.get("format_version")) is not int:
        return "'format_version' should be an int"
    if not isinstance(m.get("series"), list) or not all(isinstance(e, dict) for e in m["series"]):
        return "'series' should be a list of entries"
    for e in m["series"]:
        if type(e.get("id")) is not str or e.get("status") not in STATUSES:
            return f"the entry {_short_repr(e)} lacks an id or a known status"
        if e["status"] == "ok" and not (type(e.get("file")) is str and _SERIES_FILE.fullmatch(e["file"])):
            return f"series {e['id']!r} has no valid 'file' (series/<name>.joblib)"
    return None


def _short_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def load_series(path, series_id, *, manifest: dict | None = None) -> Forecaster:
    """Load one series' model from a model directory, reading only the manifest and that series' file.

    Pass `manifest` (from `read_manifest`) to load many series without re-reading it. Raises
    ConfigError for an unknown id and TrainingError for a series that has no model (failed).
    """
    directory = os.fspath(path)
    manifest = read_manifest(directory) if manifest is None else manifest
    key = str(series_id)
    entry = next((e for e in manifest["series"] if e["id"] == key), None)
    if entry is None:
        ids = [e["id"] for e in manifest["series"]]
        shown = ", ".join(ids[:5]) + (f", ... ({len(ids)} in all)" if len(ids) > 5 else "")
        raise ConfigError(f"unknown `series_id` {key!r} in '{directory}'; it has: {shown or 'no series'}")
    if entry["status"] != "ok":
        raise TrainingError(f"series {key!r} in '{directory}' has no model "
                            f"({entry['status']}: {entry['error']})")
    return Forecaster.from_dict(artifact.load(os.path.join(directory, *entry["file"].split("/"))))


def already_trained(path, series_by_id: Mapping, options: dict, *,
                    data_sha256: str | None = None) -> dict[str, dict]:
    """Manifest entries of `path` that a resumed run can keep: {id: entry} for the series that trained
    ok with the same options on the same data (`series_sha256`) and whose file is still there.
    Empty when `path` is not a model directory yet.

    With `data_sha256` (the SHA-256 of the long CSV now read), a series file the manifest does not
    list yet (the run was killed between writing it and recording it) is adopted too when it loads,
    names that series, and was trained with the same options on a file of that SHA-256.
    """
    if not is_model_dir(path):
        return {}
    manifest = read_manifest(path)
    options = check_options(options)
    if manifest.get("options") != options:
        return {}
    wanted = {str(k): v for k, v in series_by_id.items() if not isinstance(v, BaseException)}
    keep = {}
    for e in manifest["series"]:
        data = wanted.get(e["id"])
        if (e["status"] == "ok" and data is not None and e.get("data_sha256") == series_sha256(data)
                and os.path.isfile(os.path.join(os.fspath(path), *e["file"].split("/")))):
            keep[e["id"]] = e
    if data_sha256 is not None:
        names = safe_ids(series_by_id)
        for key, data in wanted.items():
            if key not in keep:
                entry = _adopt(os.fspath(path), key, f"{SERIES_DIR}/{names[key]}.joblib", data, options,
                               data_sha256)
                if entry is not None:
                    keep[key] = entry
    return keep


def _adopt(directory: str, key: str, file: str, data, options: dict, data_sha256: str) -> dict | None:
    """The manifest entry of a complete series file not recorded yet, or None when it cannot be kept."""
    name = os.path.join(directory, *file.split("/"))
    if not os.path.isfile(name):
        return None
    try:
        d = artifact.load(name)
    except ArtifactError:
        return None  # never written whole (the writer is atomic) or damaged: train it again
    about = d.get("data") or {}
    if about.get("series_id") != key or about.get("sha256") != data_sha256 or d.get("options") != options:
        return None
    history = d.get("history") or {}
    return {"id": key, "file": file, "status": "ok", "error": None, "rows": about.get("rows"),
            "data_sha256": series_sha256(data), "val_rmse": _finite_list(d.get("val_rmse")),
            "naive_rmse": _finite_list(d.get("naive_rmse")),
            "snaive_rmse": _finite_list(d.get("snaive_rmse")),
            "epochs_run": len(history.get("train_msse") or []), "seconds": None}


def _finite_list(values) -> list | None:
    if values is None:
        return None
    return [float(v) if isinstance(v, (int, float)) and v == v and abs(v) != float("inf") else None
            for v in values]

