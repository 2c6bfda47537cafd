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

The loader (`load`, and `audit`, which runs the same code) is a pickle unpickler that
- resolves no global (`find_class` refuses everything) and runs only the opcodes that make plain
  data; REDUCE, BUILD, NEWOBJ, INST, OBJ, sets, persistent ids, extensions and buffers are refused;
- reads at most `MAX_FILE_BYTES` on disk and `MAX_DATA_BYTES` once decompressed, in chunks, so a
  length field claiming gigabytes costs only the bytes present; makes at most `MAX_OBJECTS`
  containers and memo entries and runs at most `MAX_OPCODES` instructions (this bounds the memory
  a hostile file can demand: see the constants);
- accepts only a tree of plain data (no container reached twice), at most `MAX_DEPTH` deep;
- rebuilds each array with `np.frombuffer` from `ARRAY_DTYPES` (numeric, little-endian) after
  checking prod(shape) x itemsize == len(bytes), and at most `MAX_ARRAY_ELEMENTS` elements;
- then checks the content before anything is built from it (`_check_content`): every setting in a
  bounded range, the weight vector as long as the network it describes, weights and tail finite,
  indices in range, history lists bounded, the stored read settings valid as flags.

Every failure is an `ArtifactError` of one line naming the file and the field;
`UnsafeArtifactError` when the file asks for something the loader refuses to construct.
Files of format 1 (which pickled NumPy objects) are refused with an error naming their format.
"""

import contextlib
import itertools
import math
import os
import pickle
import pickletools
import re
import reprlib
import secrets
import stat
import time
import warnings
from typing import ClassVar

import numpy as np

from ..errors import ArtifactError, ConfigError, RnncliError, UnsafeArtifactError
from ..model.forecaster import FORMAT, FORMAT_VERSION

__all__ = ["ARRAY_DTYPES", "ARRAY_KEY", "atomic_write", "audit", "load", "save"]

ARRAY_KEY = "__ndarray__"  # a dict with this key is an array record (a reserved key in saved data)
# The dtypes an array may have in the file: numeric, little-endian (one byte: no byte order).
ARRAY_DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8",
                          "<f2", "<f4", "<f8", "<c8", "<c16"})
MAX_FILE_BYTES = 2 * 1024**3  # on disk
MAX_DATA_BYTES = 2 * 1024**3  # decompressed pickle stream, array bytes included
# What the pickle instructions may make besides bytes and strings (whose size is their data's):
# a container or memo entry costs at most about 120 bytes, any other instruction about 40 (a
# float and its stack slot), so these bound a hostile file's demand to about 12 + 160 MB. A
# 300-epoch, 5-column model needs about 120 containers and 2,000 instructions.
MAX_OBJECTS = 100_000
MAX_OPCODES = 4_000_000
MAX_ARRAY_ELEMENTS = 10**8  # per array
MAX_DEPTH = 100  # nesting of dicts, lists and tuples
STALE_SECONDS = 3600  # a temp file this old is stale even if its pid is alive (pid reuse)
_PROTOCOL = 4  # pinned, so the file's bytes do not change with the Python version
_CHUNK = 1024**2  # bytes per read: allocations follow the data present, not a length field

_NUMERIC_KINDS = "biufc"  # bool, int, uint, float, complex
_ARRAY_FIELDS = frozenset({ARRAY_KEY, "shape", "order", "bytes"})
_SCALARS = (str, int, float, bool, type(None))
_TEMP_MARK = ".rnncli-tmp-"


class _Refused(Exception):
    """The file asks for something the restricted loader will not construct; str(e) says what."""


class _Invalid(Exception):
    """The file's content is not a valid model; str(e) names the field and the problem."""


# -- save --------------------------------------------------------------------------------------


def save(data: dict, path, *, compress=3) -> None:
    """Write `data` (a dict from `Forecaster.to_dict()`) to `path` as a joblib file, atomically.

    Arrays become array records (dtype, shape, order, raw little-endian bytes), NumPy scalars
    Python numbers, so the file names no global. What `load` would refuse as data is refused
    here, before a byte is written: TypeError for what is not plain data (or nests deeper than
    MAX_DEPTH, or uses the reserved key "__ndarray__"), ArtifactError for an array above
    MAX_ARRAY_ELEMENTS. `compress` is joblib's: 0, a level 1-9 (zlib), or ("lzma", 1) etc.
    Write errors are RnncliError (see `atomic_write`).
    """
    if not isinstance(data, dict):
        raise TypeError(f"save() takes a dict, got {type(data).__name__}")
    plain = _plain(data, "data", 0)
    import joblib

    atomic_write(path, lambda f: joblib.dump(plain, f, compress=compress, protocol=_PROTOCOL), what="model")


def _plain(value, where: str, depth: int):
    """A copy of `value` as plain data; raises TypeError (or ArtifactError for a too-large array)."""
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_DEPTH:  # the same limit as the loader's
        raise TypeError(f"cannot save {where}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if isinstance(value, np.generic):
        value = value.item()  # np.float64 -> float, np.int64 -> int, np.bool_ -> bool
    if value is None or type(value) in _SCALARS:
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
    if key is None or type(key) in _SCALARS:
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
    return _short(e)


# -- load and audit: one code path -------------------------------------------------------------


def load(path) -> dict:
    """Read a model file written by `save`; returns the checked dict, arrays rebuilt as ndarrays.

    Raises ArtifactError (one line naming the file, and the field when the content is wrong)
    when the file is missing, corrupt, truncated, not an rnncli model, of another format version,
    or holds a value out of range; UnsafeArtifactError when it asks for anything the loader refuses.
    """
    return _read(os.fspath(path), None)


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


def _read(name: str, report: dict | None) -> dict:
    report = {"globals": [], "arrays": []} if report is None else report
    try:
        with _open_model(name) as (f, size):
            if size > MAX_FILE_BYTES:
                raise UnsafeArtifactError(f"'{name}' is {size} bytes, more than the {MAX_FILE_BYTES} a model "
                                          "file may be; re-train the model or get it from a source you trust")
            if size == 0:
                raise ArtifactError(f"'{name}' is corrupt or truncated: the file is empty; "
                                    "re-train or re-download it")
            obj = _unpickle(f, name, report)
        data = _rebuild(obj, report)
        _check_model(data, name)
    except ArtifactError:
        raise
    except _Refused as e:
        raise UnsafeArtifactError(f"'{name}' asks for {e}, which rnncli's safe loader refuses; "
                                  "re-train the model or get it from a source you trust") from None
    except _Invalid as e:
        raise ArtifactError(f"'{name}' is not a valid rnncli model: {e}; "
                            "re-train or re-download it") from None
    except Exception as e:  # fail closed: whatever the bytes did to the parser, it is a bad file
        if not _looks_like_joblib(name):
            raise ArtifactError(f"'{name}' is not an rnncli model file (it does not start like a joblib "
                                "file); pass a model saved by 'rnncli train'") from e
        raise ArtifactError(f"'{name}' is corrupt or truncated: {_short(e)}; "
                            "re-train or re-download it") from e
    return data


# How a joblib file starts: a pickle (protocol 2+) or one of joblib's compressors.
_JOBLIB_STARTS = (b"\x80", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x5d\x00\x00",
                  b"\x04\x22\x4d\x18")


def _looks_like_joblib(name: str) -> bool:
    try:
        with open(name, "rb") as f:
            head = f.read(6)
    except OSError:
        return True  # let the original error stand
    return head.startswith(_JOBLIB_STARTS)


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


def _unpickle(f, name: str, report: dict):
    """The plain data in an open joblib file, read by `_PlainUnpickler` from the capped stream."""
    if f.peek(2)[:2] == b"ZF":
        raise _Refused("joblib's pre-0.10 file format (its loader is not restricted)")
    with _joblib_stream(f, name) as (raw, _):
        if isinstance(raw, str):  # joblib's own sign of the pre-0.10 format
            raise _Refused("joblib's pre-0.10 file format (its loader is not restricted)")
        try:
            stream = _CappedReader(raw, MAX_DATA_BYTES)
            obj = _PlainUnpickler(stream, name, report).load()
            if stream.read(1):  # also reads compressed streams to their end, where checksums are checked
                raise ValueError("unexpected data after the end of the pickle")
        finally:
            if raw is not f:
                raw.close()
    return obj


@contextlib.contextmanager
def _joblib_stream(f, name: str):
    """joblib's own choice of stream for an open file (`_validate_fileobject_and_memmap`): the file
    itself when it is not compressed, else joblib's decompressing reader.

    A file that starts with a pickle's PROTO opcode (b"\\x80", what `joblib.dump(compress=0)` writes)
    matches none of joblib's compressor prefixes, so joblib would yield the file unchanged: that file
    is read as it is without importing joblib, whose import (its parallel machinery) costs more than
    reading a model. Everything after this point is the same for both.
    """
    if f.peek(1)[:1] == b"\x80":
        yield f, None
        return
    from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

    with _validate_fileobject_and_memmap(f, name, None) as opened:
        yield opened


class _CappedReader:
    """A read-only stream that hands out at most `limit` bytes in all. Reads are chunked, so a
    length field claiming gigabytes costs only the bytes really present."""

    def __init__(self, raw, limit: int):
        self._raw, self._limit, self._pos = raw, limit, 0

    def _take(self, chunk: bytes) -> bytes:
        self._pos += len(chunk)
        if self._pos > self._limit:
            raise _Refused(f"more than {self._limit} bytes of data once decompressed")
        return chunk

    def read(self, n: int | None = -1) -> bytes:
        want = self._limit + 1 - self._pos if n is None or n < 0 else n
        chunks = []
        while want > 0:
            chunk = self._take(self._raw.read(min(want, _CHUNK)))
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)

    def readline(self, size: int = -1) -> bytes:
        chunks = []
        while True:
            chunk = self._take(self._raw.readline(_CHUNK))
            chunks.append(chunk)
            if not chunk or chunk.endswith(b"\n"):
                return b"".join(chunks)


# The instructions that make plain data. Of these, the ones that make a container or a memo entry
# count against MAX_OBJECTS, every one against MAX_OPCODES. Any other opcode is refused by name;
# GLOBAL and STACK_GLOBAL reach `find_class`, which refuses them naming the global.
_PLAIN_OPCODES = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE", "NEWFALSE",
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
    "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3",
    "EMPTY_LIST", "APPEND", "APPENDS", "LIST", "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS",
    "GET", "BINGET", "LONG_BINGET", "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
_OBJECT_OPCODES = frozenset({"MARK", "EMPTY_LIST", "EMPTY_DICT", "LIST", "DICT", "TUPLE", "TUPLE1", "TUPLE2",
                             "TUPLE3", "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
# What a format-1 file named: seeing one of these after 'format_version': 1 identifies the format.
_FORMAT_1_GLOBALS = {("joblib.numpy_pickle", "NumpyArrayWrapper"), ("numpy", "ndarray"), ("numpy", "dtype")}


class _PlainUnpickler(pickle._Unpickler):
    """Python's own unpickler with a dispatch table of plain-data opcodes only, each one counted."""

    dispatch: ClassVar[dict] = {}

    def __init__(self, stream: _CappedReader, name: str, report: dict):
        super().__init__(stream)
        self.name, self.report = name, report
        self.objects = self.opcodes = 0

    def find_class(self, module, name):
        named = f"{_short(module, 60)}.{_short(name, 60)}"
        self.report["globals"].append(named)
        if (module, name) in _FORMAT_1_GLOBALS and self._pending_version() == 1:
            raise ArtifactError(
                f"'{self.name}' is a model file of format 1, which stored NumPy objects; this rnncli reads "
                f"format {FORMAT_VERSION}, plain data only: re-train the model with this rnncli")
        raise _Refused(f"the global {named}")

    def persistent_load(self, pid):
        raise _Refused("a persistent id")

    def _pending_version(self):
        """The 'format_version' among the dict items read so far (not yet set into their dict)."""
        for items in (*self.metastack, self.stack):
            for key, value in itertools.pairwise(items):
                if type(key) is str and key == "format_version" and type(value) is int:
                    return value
        return None


def _counted(handler, opname: str):
    heavy = opname in _OBJECT_OPCODES

    def run(self):
        self.opcodes += 1
        if self.opcodes > MAX_OPCODES:
            raise _Refused(f"more than {MAX_OPCODES} pickle instructions")
        if heavy:
            self.objects += 1
            if self.objects > MAX_OBJECTS:
                raise _Refused(f"more than {MAX_OBJECTS} containers and memo entries")
        handler(self)

    return run


def _refuse_opcode(opname: str):
    def refuse(self):
        raise _Refused(f"the pickle opcode {opname}")

    return refuse


for _op in pickletools.opcodes:
    _code = _op.code.encode("latin-1")[0]
    if _op.name in _PLAIN_OPCODES:
        _PlainUnpickler.dispatch[_code] = _counted(pickle._Unpickler.dispatch[_code], _op.name)
    elif _op.name in ("GLOBAL", "STACK_GLOBAL"):
        _PlainUnpickler.dispatch[_code] = pickle._Unpickler.dispatch[_code]
    else:
        _PlainUnpickler.dispatch[_code] = _refuse_opcode(_op.name)


def _rebuild(obj, report: dict):
    """The unpickled object with its array records replaced by arrays, once checked to be a tree of
    plain data (no container reached twice, at most MAX_DEPTH deep); _Refused otherwise."""
    seen: set[int] = set()  # containers already reached
    open_: set[int] = set()  # containers on the current path (seeing one again is a cycle)

    def where(path) -> str:
        keys = []
        while path is not None:
            path, key = path
            keys.append(f"[{_repr(key)}]")
        return "data" + "".join(reversed(keys))

    def build(value, path, depth: int):
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind not in (dict, list, tuple):
            raise _Refused(f"{_describe(value)} at {where(path)} (only plain data is allowed)")
        if id(value) in open_:
            raise _Refused(f"a container that contains itself at {where(path)}")
        if value and id(value) in seen:
            raise _Refused(f"a container reached twice at {where(path)} (a model file is a tree)")
        if depth >= MAX_DEPTH:
            raise _Refused(f"data nested deeper than {MAX_DEPTH} levels at {where(path)}")
        ident = id(value)
        seen.add(ident)
        if kind is dict and ARRAY_KEY in value:
            return _array(value, where(path), report)
        open_.add(ident)
        if kind is dict:
            for key, item in value.items():
                if type(key) not in _SCALARS:
                    raise _Refused(f"a dict key that is {_describe(key)} at {where(path)}")
                value[key] = build(item, (path, key), depth + 1)
        elif kind is list:
            for i, item in enumerate(value):
                value[i] = build(item, (path, i), depth + 1)
        else:
            value = tuple(build(item, (path, i), depth + 1) for i, item in enumerate(value))
        open_.discard(ident)
        return value

    return build(obj, None, 0)


def _array(record: dict, where: str, report: dict) -> np.ndarray:
    """The writable, native-order ndarray an array record describes; _Refused or _Invalid if it cannot be."""
    if record.keys() != _ARRAY_FIELDS:
        raise _Refused(f"an array record with the fields {_repr(sorted(map(str, record)))} at {where}")
    dtype, shape, order, raw = record[ARRAY_KEY], record["shape"], record["order"], record["bytes"]
    plain_shape = type(shape) is list and len(shape) <= 32 and all(type(n) is int for n in shape)
    report["arrays"].append({"dtype": _short(dtype, 40) if type(dtype) is str else _repr(dtype),
                             "shape": shape if plain_shape else None,
                             "order": _short(order, 40) if type(order) is str else _repr(order)})
    if type(dtype) is not str or dtype not in ARRAY_DTYPES:
        raise _Refused(f"the dtype {_repr(dtype)} at {where} "
                       "(rnncli stores only numeric little-endian arrays)")
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise _Refused(f"an array of shape {_repr(shape)} at {where}")
    count = math.prod(shape)
    if count > MAX_ARRAY_ELEMENTS:
        raise _Refused(f"an array of {count} elements at {where} (the limit is {MAX_ARRAY_ELEMENTS})")
    if type(order) is not str or order not in ("C", "F"):
        raise _Refused(f"an array in order {_repr(order)} at {where}")
    if type(raw) is not bytes:
        raise _Refused(f"array data that is {_describe(raw)} at {where}")
    dt = np.dtype(dtype)
    if count * dt.itemsize != len(raw):
        raise _Invalid(f"the array at {where} should hold {count} x {dt.itemsize} bytes "
                       f"(shape {tuple(shape)}, dtype {dtype}), not {len(raw)}")
    flat = np.frombuffer(raw, dtype=dt, count=count)
    return flat.reshape(shape, order=order).astype(dt.newbyteorder("="), order="K")  # a writable copy


# -- content: every field checked before anything is built from it ------------------------------

# Bounds on what a model may declare. Memory then follows the file's own size: the weight vector
# must be as long as the network it describes, every array is in the file, and history lists
# and forecast lengths are bounded.
LIMITS = {"past": 10**6, "future": 10**6, "hidden": 10**5, "layers": 1000, "columns": 10**5,
          "epochs": 10**9, "batch_size": 10**9, "patience": 10**9, "seed": 2**64 - 1}
MAX_HISTORY = 10**6  # epochs a history may list
MAX_TEXT = 10_000  # characters of a name or setting
_READ_KEYS = ("delimiter", "encoding", "time_col", "fill", "resample", "smooth", "freq", "time_format", "tz",
              "no_header", "decimal", "thousands")
_STYLE_KEYS = ("clock", "sep", "digits", "offset", "tz", "utc")
_SCALER_ARRAYS = {"x_shift": "features", "x_scale": "features", "y_shift": "targets", "y_scale": "targets"}
_ANCHOR_ARRAYS = {"x_scale": "features", "y_scale": "targets", "season": "one", "drift": "one"}
# the arrays each scaler kind stores (rnncli.model.scaling.fit), and what their length follows
_SCALER_FIELDS = {"minmax": _SCALER_ARRAYS, "standard": _SCALER_ARRAYS, "diff": _SCALER_ARRAYS,
                  "level": _ANCHOR_ARRAYS, "seasonal": _ANCHOR_ARRAYS}
_AUTO_KINDS = ("minmax", "diff", "level", "seasonal")  # what scale="auto" may have kept


def _check_model(obj, name: str) -> None:
    """A dict in the rnncli format, of this format version, whose content passes `_check_content`."""
    fmt = obj.get("format") if type(obj) is dict else None
    if type(fmt) is not str or fmt != FORMAT:
        what = f"its 'format' is not {FORMAT!r}" if type(obj) is dict else f"it holds a {type(obj).__name__}"
        raise ArtifactError(f"'{name}' is not an rnncli model ({what}); pass a model file saved by rnncli")
    version = obj.get("format_version")
    if type(version) is not int or version < 1:
        raise _Invalid(f"'format_version' is {_repr(version)}, not a positive integer")
    if version > FORMAT_VERSION:
        raise ArtifactError(f"'{name}' was written by a newer rnncli (format {version}); upgrade rnncli")
    if version < FORMAT_VERSION:
        raise ArtifactError(f"'{name}' is a model file of format {version}, which this rnncli (format "
                            f"{FORMAT_VERSION}) does not read: re-train the model with this rnncli")
    _check_content(obj)


def _check_content(d: dict) -> None:
    """_Invalid naming the first field out of range or inconsistent with the others."""
    from ..model.forecaster import Forecaster

    options = _field(d, "options", dict)
    for key, top in LIMITS.items():
        if key in ("columns",):
            continue
        _int(options, key, f"options.{key}", 0 if key in ("patience", "seed") else 1, top)
    try:
        Forecaster(**options)
    except (ConfigError, TypeError) as e:
        raise _Invalid(f"'options' are not valid ({_short(e)})") from None
    past, future = options["past"], options["future"]

    columns = _field(d, "columns", list)
    if not 1 <= len(columns) <= LIMITS["columns"]:
        raise _Invalid(f"'columns' lists {len(columns)} names, not 1 to {LIMITS['columns']}")
    for i, c in enumerate(columns):
        _text(c, f"columns[{i}]")
    idx = {}
    for key in ("feature_idx", "target_idx"):
        values = _field(d, key, list)
        if not 1 <= len(values) <= len(columns):
            raise _Invalid(f"'{key}' lists {len(values)} columns, not 1 to {len(columns)}")
        for i, j in enumerate(values):
            if type(j) is not int or not 0 <= j < len(columns):
                raise _Invalid(f"'{key}[{i}]' is {_repr(j)}, not a column index in [0, {len(columns) - 1}]")
        idx[key] = values
    n_features, n_targets = len(idx["feature_idx"]), len(idx["target_idx"])

    network = _field(d, "network", dict)
    expected = {"cell": options["cell"], "n_features": n_features, "hidden": options["hidden"],
                "layers": options["layers"], "future": future, "n_targets": n_targets,
                "dtype": options["dtype"]}
    for key, want in expected.items():
        got = network.get(key)
        if type(got) is not type(want) or got != want:
            raise _Invalid(f"'network.{key}' is {_repr(got)}, "
                           f"but the model's options and columns say {want!r}")
    if network.keys() != {*expected, "flat"}:
        raise _Invalid(f"'network' has the fields {_repr(sorted(map(str, network)))}, "
                       f"not {sorted({*expected, 'flat'})}")
    n_params = _n_params(**{k: v for k, v in expected.items() if k != "dtype"})
    flat = network["flat"]
    if type(flat) is not np.ndarray or flat.ndim != 1 or flat.dtype != np.dtype(options["dtype"]):
        raise _Invalid(f"'network.flat' should be a 1-D {options['dtype']} array, "
                       f"got {_describe_array(flat)}")
    if len(flat) != n_params:
        raise _Invalid(f"'network.flat' holds {len(flat)} weights, but the network it describes "
                       f"({options['cell']}, hidden {options['hidden']}, layers {options['layers']}, "
                       f"{n_features} features, future {future}, {n_targets} targets) has {n_params}")
    _finite(flat, "network.flat")

    scale = _field(d, "scale", str)
    allowed = _AUTO_KINDS if options["scale"] == "auto" else (options["scale"],)
    if scale not in allowed:
        raise _Invalid(f"'scale' is {_repr(scale)}, but options.scale {options['scale']!r} allows "
                       f"{' or '.join(map(repr, allowed))}")
    scaler = _field(d, "scaler", dict)
    keys = {"kind"} | set(_SCALER_FIELDS.get(scale, ()))
    if scaler.keys() != keys or scaler["kind"] != scale:
        raise _Invalid(f"'scaler' should be a {scale} scaler with the fields {sorted(keys)}")
    sizes = {"features": n_features, "targets": n_targets, "one": 1}
    for key in sorted(keys - {"kind"}):
        array = _float_array(scaler, key, f"scaler.{key}", (sizes[_SCALER_FIELDS[scale][key]],))
        if key.endswith("scale") and not (array != 0).all():
            raise _Invalid(f"'scaler.{key}' holds a zero scale")
    if scale in ("level", "seasonal"):
        m, drift = scaler["season"][0], scaler["drift"][0]
        if not (m == int(m) and 1 <= m <= past) or drift not in (0.0, 1.0):
            raise _Invalid(f"'scaler.season' {m:g} must be a whole number from 1 to past ({past}) and "
                           f"'scaler.drift' 0 or 1, got {drift:g}")

    from ..model.scaling import lookback

    tail = _float_array(d, "tail", "tail", (lookback(scale, past), len(columns)))
    n_rows = _int(d, "n_rows", "n_rows", 1, 2**62)
    train_targets = _float_array(d, "train_targets", "train_targets", (n_rows, n_targets))
    last = train_targets[n_rows - len(tail):]
    if len(tail) <= n_rows and not np.array_equal(tail[:, idx["target_idx"]], last):
        raise _Invalid("'tail' and 'train_targets' disagree: the tail's target columns should be the last "
                       "training targets")
    residuals = _field(d, "val_residuals", np.ndarray)
    _float_array(d, "val_residuals", "val_residuals", (min(len(residuals), n_rows), future, n_targets))
    for key in ("val_rmse", "naive_rmse"):
        values = _field(d, key, list)
        if len(values) != n_targets or not all(type(v) is float for v in values):
            raise _Invalid(f"'{key}' should list {n_targets} float(s), one per target")
    _history(_field(d, "history", dict), "history")
    _check_choice(_optional(d, "choice", dict) or {}, past, n_targets)
    _optional(d, "variant_scores", dict)
    for key, value in (d.get("variant_scores") or {}).items():
        if key not in (*_AUTO_KINDS, *allowed) or type(value) is not float:
            raise _Invalid(f"'variant_scores' should map scalings to floats, "
                           f"got {_repr(key)}: {_repr(value)}")
    for key in ("rnncli_version", "numpy_version", "values_sha256", "created"):
        if d.get(key) is not None:
            _text(d[key], key)
    _check_scores(d, n_targets, past + future, tuple(dict.fromkeys(("minmax", "diff", *allowed))))
    _optional(d, "interrupted", bool)
    _optional(d, "tail_broken", bool)
    trainer = _optional(d, "trainer", dict)
    if trainer is not None:
        _check_trainer(trainer, options, n_params)
    time = _optional(d, "time", dict)
    if time is not None:
        _check_time(time, future)
    data = _optional(d, "data", dict)
    if data is not None:
        _check_data(data, time)


def _check_scores(d: dict, n_targets: int, window: int, kinds: tuple) -> None:
    """The optional validation scores and fingerprints `Forecaster.fit` stores since issue 13."""
    def floats(value, field: str) -> None:
        if type(value) is not list or len(value) != n_targets or not all(type(v) is float for v in value):
            raise _Invalid(f"'{field}' should list {n_targets} float(s), one per target")

    if d.get("snaive_rmse") is not None:
        floats(d["snaive_rmse"], "snaive_rmse")
    if d.get("season") is not None:
        _int(d, "season", "season", 1, 2**31)
    for key, value in (_optional(d, "variant_rmse", dict) or {}).items():
        if key not in kinds:
            raise _Invalid(f"'variant_rmse' should map scalings to RMSEs, got the key {_repr(key)}")
        floats(value, f"variant_rmse.{key}")
    pending = _optional(d, "variants_pending", list) or []
    if not all(type(k) is str and k in kinds for k in pending):
        raise _Invalid(f"'variants_pending' should list scalings among {', '.join(kinds)}")
    fp = _optional(d, "fingerprints", dict)
    if fp is not None:
        from ..model.forecaster import FINGERPRINTS

        if fp.keys() != {"rows", "count", "hashes"}:
            raise _Invalid("'fingerprints' should have the fields count, hashes and rows")
        _int(fp, "rows", "fingerprints.rows", window, window)
        hashes = _field(fp, "hashes", list, "fingerprints.")
        _int(fp, "count", "fingerprints.count", len(hashes), 2**62)
        if len(hashes) > FINGERPRINTS or not all(type(h) is int and 0 <= h < 2**63 for h in hashes):
            raise _Invalid(f"'fingerprints.hashes' should list at most {FINGERPRINTS} integers in [0, 2**63)")


def _n_params(cell: str, n_features: int, hidden: int, layers: int, future: int, n_targets: int) -> int:
    """The parameter count of `Network(...)`, from its layers' shapes alone (nothing allocated)."""
    from ..engine import dense
    from ..engine.network import CELLS

    shapes = [CELLS[cell].param_shapes(n_features if k == 0 else hidden, hidden)
              for k in range(min(layers, 2))]
    first, other = (sum(math.prod(s) for s in layer.values()) for layer in (shapes[0], shapes[-1]))
    head = sum(math.prod(s) for s in dense.param_shapes(hidden, future * n_targets).values())
    return first + (layers - 1) * other + head


def _check_trainer(t: dict, options: dict, n_params: int) -> None:
    if t.get("optimizer") != options["optimizer"]:
        raise _Invalid(f"'trainer.optimizer' is {_repr(t.get('optimizer'))}, not options.optimizer "
                       f"{options['optimizer']!r}")
    state = _field(t, "optimizer_state", dict, "trainer.")
    arrays = ("m", "v") if options["optimizer"] == "adam" else ("u",)
    if state.keys() != {"t", *arrays}:
        raise _Invalid(f"'trainer.optimizer_state' should have the fields {sorted({'t', *arrays})}")
    _int(state, "t", "trainer.optimizer_state.t", 0, 2**62)
    for key in arrays:
        _float_array(state, key, f"trainer.optimizer_state.{key}", (n_params,))
    for key in ("last_flat", "best_flat"):
        _float_array(t, key, f"trainer.{key}", (n_params,))
    _int(t, "wait", "trainer.wait", 0, 2**62)
    _history(t, "trainer")
    try:
        np.random.PCG64().state = _field(t, "rng_state", dict, "trainer.")
    except (TypeError, ValueError, KeyError, OverflowError):
        raise _Invalid("'trainer.rng_state' is not a PCG64 generator state") from None


def _check_choice(choice: dict, past: int, n_targets: int) -> None:
    """`choice` (Forecaster.choice_): the scaling chosen, its season and drift, why, and the validation
    RMSE (one float per target) of the baselines by name, of the network and of its anchor."""
    types = {"scale": str, "season": int, "drift": bool, "reason": str, "baseline_rmse": dict,
             "network_rmse": list, "anchor_rmse": list, "network_weight": float}
    for key, value in choice.items():
        if key not in types:
            raise _Invalid(f"'choice' has the field {_repr(key)}, not one of {', '.join(types)}")
        if type(value) is not types[key] and not (key == "network_weight" and value is None):
            raise _Invalid(f"'choice.{key}' is {_repr(value)}, not a {types[key].__name__}")
    for key in ("scale", "reason"):
        if key in choice:
            _text(choice[key], f"choice.{key}")
    if not 1 <= choice.get("season", 1) <= past:
        raise _Invalid(f"'choice.season' is {choice['season']}, not from 1 to past ({past})")
    lists = {f"choice.{k}": choice[k] for k in ("network_rmse", "anchor_rmse") if k in choice}
    if len(choice.get("baseline_rmse", {})) > 50:
        raise _Invalid("'choice.baseline_rmse' names more than 50 baselines")
    for name, value in choice.get("baseline_rmse", {}).items():
        _text(name, "choice.baseline_rmse key")
        lists[f"choice.baseline_rmse.{name}"] = value
    for field, value in lists.items():
        if type(value) is not list or len(value) != n_targets or not all(type(v) is float for v in value):
            raise _Invalid(f"'{field}' should list {n_targets} float(s), one per target")


def _history(h: dict, field: str) -> None:
    for key in ("train_msse", "val_msse"):
        values = _field(h, key, list, f"{field}.")
        if len(values) > MAX_HISTORY:
            raise _Invalid(f"'{field}.{key}' lists {len(values)} epochs, more than {MAX_HISTORY}")
        for i, v in enumerate(values):
            if type(v) is not float and not (v is None and key == "val_msse"):
                raise _Invalid(f"'{field}.{key}[{i}]' is {_repr(v)}, not a float")
    _int(h, "best_epoch", f"{field}.best_epoch", 0, MAX_HISTORY)
    _field(h, "best_msse", float, f"{field}.")
    for key in ("steps", "wait_lr"):  # the step policy's counters (absent in older runs: 0)
        if key in h:
            _int(h, key, f"{field}.{key}", 0, 2**62)
    if "lr" in h and not (type(h["lr"]) is float and math.isfinite(h["lr"]) and h["lr"] > 0):
        raise _Invalid(f"'{field}.lr' is {_repr(h['lr'])}, not a positive float")
    reductions = h.get("lr_reductions", [])
    if type(reductions) is not list or len(reductions) > MAX_HISTORY or not all(
            type(e) is int and 0 <= e <= MAX_HISTORY for e in reductions):
        raise _Invalid(f"'{field}.lr_reductions' should list the epochs (whole numbers) of each reduction")
    if field == "history" and h.get("stopped") is not None:
        _text(h["stopped"], "history.stopped")


def _check_time(time: dict, future: int) -> None:
    fields = {"col", "kind", "last", "freq", "step", "style"}
    if not time.keys() <= fields or time.get("kind") not in ("datetime", "int"):
        raise _Invalid("'time' should have the fields col, kind ('datetime' or 'int'), last, freq, step, "
                       "style")
    if time.get("style") is not None:
        _check_style(time["style"])
    if time.get("col") is not None:
        _text(time["col"], "time.col")
    step = time.get("step")
    if step is not None and (type(step) is not int or not 0 < abs(step) < 2**62):
        raise _Invalid(f"'time.step' is {_repr(step)}, not a non-zero integer")
    freq = time.get("freq")
    if freq is not None:
        _as_flag("resample", freq, "time.freq")
    last = time.get("last")
    if time["kind"] == "int":
        if type(last) is not int or abs(last) + future * abs(step or 0) >= 2**63:
            raise _Invalid(f"'time.last' is {_repr(last)}: {future} steps after it do not fit a 64-bit time")
        return
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns about time zones: refused like any other oddity
            stamp = pd.Timestamp(np.datetime64(_text(last, "time.last"), "ns"))
        if pd.isna(stamp):
            raise ValueError
        if freq is not None:
            stamp + future * to_offset(freq)
    except (ValueError, TypeError, OverflowError, Warning):
        raise _Invalid(f"'time.last' is {_repr(last)}, which is not a time whose {future} forecast steps "
                       f"end before {pd.Timestamp.max.date()}") from None


def _check_style(style) -> None:
    """time.style: how forecast times are written (io.timecol.time_style)."""
    import re

    from .timecol import check_tz

    if type(style) is not dict or not style.keys() <= set(_STYLE_KEYS):
        raise _Invalid(f"'time.style' should be a dict of {', '.join(_STYLE_KEYS)}")
    for key in ("clock", "utc"):
        if type(style.get(key, False)) is not bool:
            raise _Invalid(f"'time.style.{key}' is {_repr(style.get(key))}, not a bool")
    if style.get("sep", " ") not in ("T", " "):
        raise _Invalid(f"'time.style.sep' is {_repr(style.get('sep'))}, not 'T' or ' '")
    _int({"digits": style.get("digits", 0)}, "digits", "time.style.digits", 0, 9)
    offset = style.get("offset")
    if offset is not None and not (type(offset) is str and re.fullmatch(r"Z|[+-]\d{2}:\d{2}", offset)):
        raise _Invalid(f"'time.style.offset' is {_repr(offset)}, not a UTC offset such as +01:00 or Z")
    if style.get("tz") is not None:
        _as_setting(check_tz, style["tz"], "time.style.tz")


def _as_setting(check, value, field: str):
    """`value` (a str) checked by an io check function, a ConfigError becoming an invalid-model error."""
    if type(value) is not str:
        raise _Invalid(f"'{field}' is {_repr(value)}, not a str")
    try:
        return check(_text(value, field))
    except ConfigError as e:
        raise _Invalid(f"'{field}' is {_repr(value)}: {_short(e)}") from None


def _check_read_extras(read: dict) -> None:
    """The read settings of issue 10: --freq, --time-format, --tz, --no-header, --decimal, --thousands."""
    from . import records as rio
    from .timecol import check_freq, check_tz

    for key, check in (("freq", check_freq), ("tz", check_tz), ("time_format", str)):
        if read.get(key) is not None:
            _as_setting(check, read[key], f"data.read.{key}")
    if type(read.get("no_header", False)) is not bool:
        raise _Invalid(f"'data.read.no_header' is {_repr(read.get('no_header'))}, not a bool")
    decimal, thousands = read.get("decimal", "."), read.get("thousands")
    for key, value in (("decimal", decimal), ("thousands", thousands)):
        if value is not None and type(value) is not str:
            raise _Invalid(f"'data.read.{key}' is {_repr(value)}, not a str")
    try:
        rio.check_separators(decimal, thousands)
    except ConfigError as e:
        raise _Invalid(f"'data.read' separators: {_short(e)}") from None


def _check_data(data: dict, time: dict | None) -> None:
    for key, value in data.items():
        if key != "read" and type(value) not in _SCALARS:
            raise _Invalid(f"'data.{_short(key, 40)}' is {_describe(value)}, not a plain value")
        if type(value) is str:
            _text(value, f"data.{_short(key, 40)}")
    if data.get("rows") is not None:
        _int(data, "rows", "data.rows", 0, 2**62)
    read = data.get("read")
    if read is None:
        return
    if type(read) is not dict or not read.keys() <= set(_READ_KEYS):
        raise _Invalid(f"'data.read' should be a dict of {', '.join(_READ_KEYS)}")
    for key, value in read.items():
        if key == "time_col":
            if value is not None:
                _text(value, "data.read.time_col")
        elif key in ("freq", "time_format", "tz", "no_header", "decimal", "thousands"):
            continue
        elif value is not None or key in ("delimiter", "encoding", "fill"):
            _as_flag(key, value, f"data.read.{key}")
    _check_read_extras(read)
    resample = read.get("resample")
    if resample is not None:
        _check_resample_matches(resample, time)


def _as_flag(flag: str, value, field: str):
    """`value` checked as the flag --`flag` is (the io module's own checks)."""
    from . import records as rio

    check = {"delimiter": rio.check_delimiter, "encoding": rio.check_encoding, "fill": rio.check_fill,
             "resample": rio.check_resample, "smooth": rio.check_smooth}[flag]
    if flag in ("delimiter", "encoding", "fill", "resample") and type(value) is not str:
        raise _Invalid(f"'{field}' is {_repr(value)}, not a str")
    if flag == "smooth" and (type(value) is not int or value > LIMITS["past"]):
        raise _Invalid(f"'{field}' is {_repr(value)}, not a whole number of rows up to {LIMITS['past']}")
    try:
        return check(value)
    except ConfigError as e:
        raise _Invalid(f"'{field}' is {_repr(value)}: {_short(e)}") from None


def _check_resample_matches(resample: str, time: dict | None) -> None:
    """The stored resample rule is the model's time step: a file cannot make predict resample finer.

    Compared by the length of one period (QS and QS-OCT, W and W-SUN are the same step); a model
    whose time steps are irregular (no 'freq') is not compared.
    """
    if time is None or time["kind"] != "datetime":
        raise _Invalid(f"'data.read.resample' is {_repr(resample)}, but the model has no date/time column")
    if time.get("freq") is None:
        return
    ratio = _period_ns(resample) / _period_ns(time["freq"])
    if not 0.5 <= ratio <= 2:
        raise _Invalid(f"'data.read.resample' is {_repr(resample)}, but the model's time step is "
                       f"{_repr(time['freq'])}")


def _period_ns(alias: str) -> int:
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    offset, start = to_offset(alias), pd.Timestamp("2000-01-01")
    return max(((start + 2 * offset) - (start + offset)).value, 1)


# -- field helpers: each raises _Invalid naming the field ------------------------------------------


def _field(d: dict, key: str, kind: type, prefix: str = ""):
    if key not in d:
        raise _Invalid(f"'{prefix}{key}' is missing")
    value = d[key]
    if type(value) is not kind:
        raise _Invalid(f"'{prefix}{key}' should be a {kind.__name__}, got {_describe_value(value)}")
    return value


def _optional(d: dict, key: str, kind: type):
    return None if d.get(key) is None else _field(d, key, kind)


def _int(d: dict, key: str, field: str, low: int, high: int) -> int:
    value = d.get(key)
    if type(value) is not int or not low <= value <= high:
        raise _Invalid(f"'{field}' is {_repr(value)}, not an integer in [{low}, {high}]")
    return value


def _text(value, field: str) -> str:
    if type(value) is not str or len(value) > MAX_TEXT:
        raise _Invalid(f"'{field}' should be a str of at most {MAX_TEXT} characters, "
                       f"got {_describe_value(value)}")
    return value


def _float_array(d: dict, key: str, field: str, shape: tuple) -> np.ndarray:
    value = d.get(key)
    if type(value) is not np.ndarray or value.dtype.kind != "f" or value.shape != shape:
        raise _Invalid(f"'{field}' should be a float array of shape {shape}, got {_describe_array(value)}")
    _finite(value, field)
    return value


def _finite(array: np.ndarray, field: str) -> None:
    if not np.isfinite(array).all():
        i = int(np.argmin(np.isfinite(array).ravel()))
        raise _Invalid(f"'{field}' holds {array.ravel()[i]} at flat index {i}; "
                       "weights and data must be finite")


def _describe_array(value) -> str:
    if type(value) is np.ndarray:
        return f"{value.dtype} of shape {value.shape}"
    return _describe_value(value)


def _describe_value(value) -> str:
    return type(value).__name__ if type(value) in (dict, list, tuple) else _repr(value)


# -- messages -----------------------------------------------------------------------------------


def _name_of(obj) -> str:
    """'module.qualname' of a class or function."""
    module = getattr(obj, "__module__", None) or "?"
    return _short(f"{module}.{getattr(obj, '__qualname__', '?')}", 80)


def _describe(value) -> str:
    """'the class numpy.ndarray' or 'a bytes object'."""
    if isinstance(value, type):
        return f"the class {_name_of(value)}"
    return f"a {_name_of(type(value)).removeprefix('builtins.')} object"


def _short(value, limit: int = 120) -> str:
    """One line of at most `limit` characters: str() of a text or an exception (named when terse)."""
    text = str(value)
    if isinstance(value, BaseException):
        if not text:
            text = "the data ends too early" if isinstance(value, EOFError) else type(value).__name__
        elif isinstance(value, (KeyError, IndexError, TypeError, AttributeError)):
            text = f"{type(value).__name__}: {text}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 40, 40
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = _REPR.maxset = 8


def _repr(value) -> str:
    """A short one-line repr of a value read from a file, however large or deep it is."""
    return _short(_REPR.repr(value))
