"""Save and load the versioned model file: a joblib file of plain data, arrays stored as raw bytes.

    >>> from rnncli import artifact
    >>> artifact.save(model.to_dict(), "model.joblib")      # atomic: the old file or the new, never half
    >>> data = artifact.load("model.joblib")                # restricted, checked; plain data back
    >>> artifact.audit("suspect.joblib")["safe"]            # the loader's own verdict, as a report

The file is written by `joblib.dump` and holds only dicts, lists, tuples, str, int, float, bool,
None and bytes: its pickle stream names **no global at all**, so `joblib.load` (or `pickle.load`)
of it gives plain data too. Each array is a dict {"__ndarray__": dtype, "shape": [...],
"order": "C" | "F", "bytes": raw bytes}. This is the idea of PyTorch's `weights_only` loader and
of safetensors: loading builds nothing but containers, scalars and arrays of the declared size.

The loader (`load`, and `audit`, which runs the same code) is a pickle unpickler
(`rnncli.io.plaindata`) that
- resolves no global (`find_class` refuses everything) and runs only the opcodes that make plain
  data; REDUCE, BUILD, NEWOBJ, INST, OBJ, sets, persistent ids, extensions and buffers are refused;
- reads at most `MAX_FILE_BYTES` on disk and `MAX_DATA_BYTES` once decompressed, in chunks, so a
  length field claiming gigabytes costs only the bytes present; makes at most `MAX_OBJECTS`
  containers and memo entries and runs at most `MAX_OPCODES` instructions (this bounds the memory
  a hostile file can demand: see the constants);
- accepts only a tree of plain data (no container reached twice), at most `MAX_DEPTH` deep;
- rebuilds each array with `np.frombuffer` from `ARRAY_DTYPES` (numeric, little-endian) after
  checking prod(shape) x itemsize == len(bytes), and at most `MAX_ARRAY_ELEMENTS` elements;
- then checks the content before anything is built from it (`rnncli.io.modelcheck`): every setting in a
  bounded range, the weight vector as long as the network it describes, weights and tail finite,
  indices in range, history lists bounded, the stored read settings valid as flags, the forecast's
  time labels (`rnncli.io.timelabels`) the model's own.

joblib is imported only to save, and to read a file compressed with bz2, lzma, xz or lz4: a file
saved uncompressed is a pickle, and one saved with zlib (`save`'s default) or gzip is that pickle
in one zlib or gzip stream, which the loader inflates with the stdlib (`rnncli.io.plaindata`).

Every failure is an `ArtifactError` of one line naming the file and the field;
`UnsafeArtifactError` when the file asks for something the loader refuses to construct.
Files of format 1 (which pickled NumPy objects) are refused with an error naming their format.
"""

import contextlib
import os
import re
import secrets
import stat
import time

import numpy as np

from ..errors import ArtifactError, RnncliError, UnsafeArtifactError
from . import modelcheck, plaindata, timelabels
from .messages import short
from .modelcheck import LIMITS, MAX_HISTORY, MAX_TEXT
from .plaindata import (
    ARRAY_DTYPES,
    ARRAY_KEY,
    MAX_ARRAY_ELEMENTS,
    MAX_DATA_BYTES,
    MAX_DEPTH,
    MAX_OBJECTS,
    MAX_OPCODES,
    SCALARS,
    Invalid,
    NotPickle,
    Refused,
)

__all__ = ["ARRAY_DTYPES", "ARRAY_KEY", "LIMITS", "MAX_ARRAY_ELEMENTS", "MAX_DATA_BYTES", "MAX_DEPTH",
           "MAX_FILE_BYTES", "MAX_HISTORY", "MAX_OBJECTS", "MAX_OPCODES", "MAX_TEXT", "STALE_SECONDS",
           "atomic_write", "audit", "check_calendar", "load", "save"]

# The loader's limits are read from this module at each call (MAX_DATA_BYTES, MAX_OBJECTS, MAX_OPCODES
# and MAX_ARRAY_ELEMENTS are explained in rnncli.io.plaindata, MAX_HISTORY in rnncli.io.modelcheck):
# setting artifact.MAX_X changes what `load`, `audit` and `save` accept.
MAX_FILE_BYTES = 2 * 1024**3  # on disk
STALE_SECONDS = 3600  # a temp file this old is stale even if its pid is alive (pid reuse)
_PROTOCOL = 4  # pinned, so the file's bytes do not change with the Python version

_NUMERIC_KINDS = "biufc"  # bool, int, uint, float, complex
_TEMP_MARK = ".rnncli-tmp-"




# -- save --------------------------------------------------------------------------------------


def save(data: dict, path, *, compress=3) -> None:
    """Write `data` (a dict from `Forecaster.to_dict()`) to `path` as a joblib file, atomically.

    Arrays become array records (dtype, shape, order, raw little-endian bytes), NumPy scalars
    Python numbers, so the file names no global. What `load` would refuse as data is refused
    here, before a byte is written: TypeError for what is not plain data (or nests deeper than
    MAX_DEPTH, or uses the reserved key "__ndarray__"), ArtifactError for an array above
    MAX_ARRAY_ELEMENTS. `compress` is joblib's: 0, a level 1-9 (zlib), or ("lzma", 1) etc.
    Write errors are RnncliError (see `atomic_write`). The file also holds the labels of the
    forecast's times for a model whose time column has a frequency (`rnncli.io.timelabels`: computed
    here from its time info, replacing any given), so that predict can write them without pandas.
    """
    if not isinstance(data, dict):
        raise TypeError(f"save() takes a dict, got {type(data).__name__}")
    plain = _plain({k: v for k, v in data.items() if k != timelabels.FIELD}, "data", 0)
    labels = timelabels.compute(plain)
    if labels is not None:
        plain[timelabels.FIELD] = labels
    import joblib

    atomic_write(path, lambda f: joblib.dump(plain, f, compress=compress, protocol=_PROTOCOL), what="model")


def _plain(value, where: str, depth: int):
    """A copy of `value` as plain data; raises TypeError (or ArtifactError for a too-large array)."""
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_DEPTH:  # the same limit as the loader's
        raise TypeError(f"cannot save {where}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if isinstance(value, np.generic):
        value = value.item()  # np.float64 -> float, np.int64 -> int, np.bool_ -> bool
    if value is None or type(value) in SCALARS:
        return value
    for base in (str, int, float):  # subclasses (IntEnum, ...) would pickle their own class
        if isinstance(value, base):
            return base(value)
    if isinstance(value, dict):
        if ARRAY_KEY in value:
            raise TypeError(f"cannot save {where}: the key {ARRAY_KEY!r} is reserved for arrays")
        return {_plain_key(k, where): _plain(v, f"{where}[{k!r}]", depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, np.ndarray):
        return _array_record(np.asarray(value), where)  # np.matrix, np.memmap -> ndarray
    raise TypeError(f"cannot save {where}: {type(value).__name__} is not plain data "
                    "(dict, list, tuple, str, int, float, bool, None or a numeric ndarray)")


def _array_record(array: np.ndarray, where: str) -> dict:
    """{"__ndarray__": '<f8', "shape": [...], "order": 'C' or 'F', "bytes": raw little-endian bytes}."""
    little = array.dtype.newbyteorder("<") if array.dtype.kind in _NUMERIC_KINDS else array.dtype
    if little.str not in ARRAY_DTYPES or array.dtype.fields is not None:
        raise TypeError(f"cannot save {where}: arrays must be numeric (bool, int, float, complex), "
                        f"got dtype {array.dtype}")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise ArtifactError(f"cannot save {where}: {array.size} elements, more than the "
                            f"{MAX_ARRAY_ELEMENTS} a model file may hold; train a smaller model")
    order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    return {ARRAY_KEY: little.str, "shape": list(array.shape), "order": order,
            "bytes": array.astype(little, copy=False).tobytes(order=order)}


def _plain_key(key, where: str):
    if isinstance(key, np.generic):
        key = key.item()
    if key is None or type(key) in SCALARS:
        return key
    raise TypeError(f"cannot save {where}: the key {key!r} is not a str, int, float, bool or None")


def atomic_write(path, write_fn, *, what: str = "file") -> None:
    """Create or replace `path` all at once: `write_fn(fileobj)` fills a temp file beside it.

    The temp file (`.{name}.rnncli-tmp-{pid}-{random}`, mode 0o666 less the umask, like open())
    is flushed and fsynced, renamed over `path` with os.replace, then the directory is fsynced:
    after a crash `path` holds the old content or the new, never part of either. On any exception
    the temp file is removed and `path` is untouched. Temp files left by killed runs (their pid is
    gone, or they are older than an hour) are removed first. OSErrors become RnncliError
    ("cannot write {what} to 'path': ..."); other exceptions from `write_fn` propagate.
    """
    target = os.fspath(path)
    directory, name = os.path.split(target)
    directory = directory or "."
    if not name:
        raise RnncliError(f"cannot write {what} to '{target}': the path names a directory, not a file")
    if not os.path.isdir(directory):
        problem = "is not a directory" if os.path.exists(directory) else "does not exist"
        raise RnncliError(f"cannot write {what} to '{target}': directory '{directory}' {problem}")
    if os.path.isdir(target):
        raise RnncliError(f"cannot write {what} to '{target}': it is a directory")
    _remove_stale_temps(directory, name)
    try:
        fd, temp = _create_temp(directory, name)
    except OSError as e:
        raise RnncliError(f"cannot write {what} to '{target}': {_os_reason(e, directory)}") from e
    try:
        with open(fd, "wb") as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(e, OSError):
            raise RnncliError(f"cannot write {what} to '{target}': {_os_reason(e, directory)}") from e
        raise
    _fsync_directory(directory)


def _create_temp(directory: str, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = os.path.join(directory, f".{name}{_TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            return os.open(temp, flags, 0o666), temp  # the umask applies, as for open()
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temp file in '{directory}'")


def _remove_stale_temps(directory: str, name: str) -> None:
    """Best effort: remove `.{name}.rnncli-tmp-{pid}-{hex}` files whose writer is dead or that are old."""
    prefix = f".{name}{_TEMP_MARK}"
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        match = re.fullmatch(r"(\d+)-[0-9a-f]+", entry.name[len(prefix):])
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            if time.time() - info.st_mtime > STALE_SECONDS or not _pid_alive(int(match[1])):
                os.unlink(entry.path)
        except OSError:
            continue


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # another thread may be writing; on Windows os.kill(pid, 0) sends CTRL_C: use the age
    if pid <= 0:
        return False  # os.kill(0, 0) would test our own process group
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    except (OSError, OverflowError):
        return False
    return True


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; not every platform can open or fsync a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _os_reason(e: OSError, directory: str) -> str:
    if isinstance(e, PermissionError):
        return f"permission denied (in directory '{directory}')"
    if e.strerror:
        return e.strerror[0].lower() + e.strerror[1:]
    return short(e)


# -- load and audit: one code path -------------------------------------------------------------


def load(path, *, calendar: bool = True) -> dict:
    """Read a model file written by `save`; returns the checked dict, arrays rebuilt as ndarrays.

    Raises ArtifactError (one line naming the file, and the field when the content is wrong)
    when the file is missing, corrupt, truncated, not an rnncli model, of another format version,
    or holds a value out of range; UnsafeArtifactError when it asks for anything the loader refuses.
    calendar=False: a file that holds its forecast's time labels is loaded without the checks that
    need pandas; call `check_calendar` before using its time column for anything but those labels.
    """
    return _read(os.fspath(path), None, calendar)


def check_calendar(data: dict, path) -> None:
    """The checks `load(path, calendar=False)` may have left out (the time column's frequency and
    the stored --freq and --resample, which need pandas); ArtifactError naming the file and field."""
    try:
        modelcheck.check_calendar(data)
    except Invalid as e:
        raise _invalid(os.fspath(path), e) from None


def audit(path) -> dict:
    """The loader's verdict on a file, as a report: the same code as `load`, so they always agree.

    Returns {"globals": the "module.name" the file asks for (refused; none in a valid file),
    "arrays": [{"dtype", "shape", "order"}, ...] of the array records read, "safe": whether `load`
    accepts the file, "reasons": [load's error message] when it does not}. Only plain data and
    arrays are built. Raises ArtifactError only when the file cannot be opened.
    """
    name = os.fspath(path)
    with _open_model(name):
        pass  # a missing file or a directory is an error, not a verdict
    report: dict = {"globals": [], "arrays": []}
    try:
        _read(name, report)
        reasons = []
    except ArtifactError as e:
        reasons = [str(e)]
    return {"globals": sorted(set(report["globals"])), "arrays": report["arrays"], "safe": not reasons,
            "reasons": reasons}


def _read(name: str, report: dict | None, calendar: bool = True) -> dict:
    report = {"globals": [], "arrays": []} if report is None else report
    try:
        with _open_model(name) as (f, size):
            if size > MAX_FILE_BYTES:
                raise UnsafeArtifactError(f"'{name}' is {size} bytes, more than the {MAX_FILE_BYTES} a model "
                                          "file may be; re-train the model or get it from a source you trust")
            if size == 0:
                raise ArtifactError(f"'{name}' is corrupt or truncated: the file is empty; "
                                    "re-train or re-download it")
            head = f.peek(4096)[:4096]
            if not head.startswith(tuple(_JOBLIB_STARTS)):
                from .records import binary_format

                found = binary_format(head)
                if found:
                    npz = head.startswith(b"PK") and b".npy" in head
                    raise _not_a_model(name, "a NumPy .npz archive" if npz else found[0])
            obj = plaindata.unpickle(f, name, report, max_data_bytes=MAX_DATA_BYTES, max_objects=MAX_OBJECTS,
                                     max_opcodes=MAX_OPCODES)
        data = plaindata.rebuild(obj, report, max_array_elements=MAX_ARRAY_ELEMENTS)
        modelcheck.check_model(data, name, max_history=MAX_HISTORY, calendar=calendar)
    except ArtifactError:
        raise
    except NotPickle as e:
        raise _not_a_model(name, _compressed_content(name, e.head)) from None
    except Refused as e:
        raise UnsafeArtifactError(f"'{name}' asks for {e}, which rnncli's safe loader refuses; "
                                  "re-train the model or get it from a source you trust") from None
    except Invalid as e:
        raise _invalid(name, e) from None
    except Exception as e:  # fail closed: whatever the bytes did to the parser, it is a bad file
        if not _looks_like_joblib(name):
            raise ArtifactError(f"'{name}' is not an rnncli model file (it does not start like a joblib "
                                "file); pass a model saved by 'rnncli train'") from e
        raise ArtifactError(f"'{name}' is corrupt or truncated: {short(e)}; "
                            "re-train or re-download it") from e
    return data


def _invalid(name: str, e: Invalid) -> ArtifactError:
    return ArtifactError(f"'{name}' is not a valid rnncli model: {e}; re-train or re-download it")


# How a joblib file starts: a pickle (protocol 2+) or one of joblib's compressors (and its name).
_JOBLIB_STARTS = {b"\x80": None, b"\x78": "zlib", b"\x1f\x8b": "gzip", b"BZh": "bzip2",
                  b"\xfd7zXZ\x00": "xz", b"\x5d\x00\x00": "lzma", b"\x04\x22\x4d\x18": "lz4"}


def _not_a_model(name: str, what: str) -> ArtifactError:
    return ArtifactError(f"'{name}' is not an rnncli model file: it is {what}; "
                         "pass the model file written by rnncli train")


def _compressed_content(name: str, inner: bytes) -> str:
    """What a compressed file that holds no pickle is, from its first bytes and decompressed ones."""
    from .records import binary_format

    with open(name, "rb") as f:
        outer = f.read(6)
    kind = next(kind for magic, kind in _JOBLIB_STARTS.items() if kind and outer.startswith(magic))
    found = binary_format(inner)
    if found:
        return f"{kind}-compressed data holding {found[0]}"
    try:
        inner.decode("utf-8")
    except UnicodeDecodeError:
        return f"{kind}-compressed data that is not a model"
    return f"{kind}-compressed data (a compressed CSV?)"


def _looks_like_joblib(name: str) -> bool:
    try:
        with open(name, "rb") as f:
            head = f.read(6)
    except OSError:
        return True  # let the original error stand
    return head.startswith(tuple(_JOBLIB_STARTS))


@contextlib.contextmanager
def _open_model(name: str):
    """Yield (binary file, size) for a regular file; ArtifactError when it cannot be one."""
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise ArtifactError(f"no such model file '{name}'") from None
    except OSError as e:
        raise ArtifactError(f"cannot read model file '{name}': {_os_reason(e, os.path.dirname(name) or '.')}"
                            ) from None
    if stat.S_ISDIR(info.st_mode):
        raise ArtifactError(f"'{name}' is a directory, not a model file; pass the model file itself")
    if not stat.S_ISREG(info.st_mode):
        raise ArtifactError(f"'{name}' is not a regular file; pass a model file saved by rnncli")
    try:
        f = open(name, "rb")
    except OSError as e:
        raise ArtifactError(f"cannot read model file '{name}': {_os_reason(e, os.path.dirname(name) or '.')}"
                            ) from None
    with f:
        yield f, os.fstat(f.fileno()).st_size


