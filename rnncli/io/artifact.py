"""Save and load the versioned model file: a joblib file holding one dict of plain data and arrays.

    >>> from rnncli import artifact
    >>> artifact.save(model.to_dict(), "model.joblib")      # atomic: the old file or the new, never half
    >>> data = artifact.load("model.joblib")                # restricted, checked; plain data back
    >>> artifact.audit("suspect.joblib")["safe"]            # what a file asks for, constructing nothing

The file is written by `joblib.dump` and read back by a restricted unpickler built on joblib's own
`NumpyUnpickler`, in the spirit of `torch.load(weights_only=True)`. A pickle is a small program;
this loader runs only the few instructions a model file needs:

- GLOBAL / STACK_GLOBAL resolve only the exact (module, name) pairs in `ALLOWED_GLOBALS`;
- REDUCE may only call `numpy.dtype(name, False, True)` with a numeric `name` such as 'f8';
- NEWOBJ may only create an empty `NumpyArrayWrapper` (joblib's placeholder for an array);
- BUILD may only give that dtype its plain state, or describe an array: the header (plain ndarray,
  numeric dtype, C or F order, at most `MAX_ARRAY_ELEMENTS`) is checked before a byte of the array
  is read, and the array is built from the bytes actually present, never memory-mapped;
- INST, OBJ, NEWOBJ_EX, extension codes, persistent ids and sets are refused outright;
- the file is at most `MAX_FILE_BYTES`, its decompressed stream at most `MAX_DATA_BYTES` of which
  at most `MAX_PICKLE_BYTES` are pickle instructions, and joblib's pre-0.10 format (whose loader
  is unrestricted) is refused;
- the result must be plain data (dict, list, tuple, str, int, float, bool, None, numeric ndarray)
  nested at most `MAX_DEPTH` deep, then a model of a format version this rnncli can read.

Every failure is an `ArtifactError`; `UnsafeArtifactError` when the file asks for something refused.
There is no fallback to `joblib.load`.
"""

import contextlib
import math
import os
import pickle
import pickletools
import re
import reprlib
import secrets
import stat
import time

import joblib
import numpy as np
from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler
from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

from ..errors import ArtifactError, RnncliError, UnsafeArtifactError
from ..model.forecaster import FORMAT, FORMAT_VERSION

__all__ = ["ALLOWED_GLOBALS", "atomic_write", "audit", "load", "save"]

# The only globals a model file may name: exact pairs, never prefixes. A saved rnncli dict needs
# these three (checked by listing the GLOBAL / STACK_GLOBAL opcodes of a real artifact); they are
# spelled the same by NumPy 1.x and 2.x, so files cross NumPy versions.
ALLOWED_GLOBALS = {
    ("joblib.numpy_pickle", "NumpyArrayWrapper"): NumpyArrayWrapper,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
MAX_FILE_BYTES = 2 * 1024**3  # on disk
MAX_DATA_BYTES = 2 * 1024**3  # decompressed pickle stream, arrays included
# Pickle instructions, arrays excluded. One opcode byte can make a 64-72 byte object (`]` is a new
# list, `}` a dict; sets, at 216, are refused), so this, not MAX_DATA_BYTES, bounds the memory a
# hostile file can demand: about 300 MiB. A 300-epoch, 5-column model needs 13 KB of them.
MAX_PICKLE_BYTES = 4 * 1024**2
MAX_ARRAY_ELEMENTS = 10**8  # per array
MAX_DEPTH = 100  # nesting of dicts, lists and tuples
STALE_SECONDS = 3600  # a temp file this old is stale even if its pid is alive (pid reuse)
_PROTOCOL = 4  # pinned, so the file's bytes do not change with the Python version
_CHUNK = 1024**2  # bytes per read: allocations follow the data present, not a length field

_NUMERIC_KINDS = "biufc"  # bool, int, uint, float, complex
_DTYPE_NAME = re.compile(r"[biufc](?:1|2|4|8|16|32)")  # as numpy.dtype.__reduce__ spells them
_HEADER_REQUIRED = frozenset({"subclass", "shape", "order", "dtype"})
_HEADER_KEYS = _HEADER_REQUIRED | {"allow_mmap", "numpy_array_alignment_bytes"}
_SCALARS = (str, int, float, bool, type(None))
_TEMP_MARK = ".rnncli-tmp-"


class _Refused(Exception):
    """The file asks for something the restricted loader will not construct; str(e) says what."""


class _StopWalk(Exception):
    """The audit cannot read further (str(e) says where and why); what it found so far stands."""


# -- save --------------------------------------------------------------------------------------


def save(data: dict, path, *, compress=3) -> None:
    """Write `data` (a dict from `Forecaster.to_dict()`) to `path` as a joblib file, atomically.

    NumPy scalars become Python numbers and ndarray subclasses plain ndarrays, so the file needs
    no global beyond `ALLOWED_GLOBALS`. What `load` would refuse is refused here, before a byte is
    written: TypeError for what is not plain data (or nests deeper than MAX_DEPTH), ArtifactError
    for an array above MAX_ARRAY_ELEMENTS. `compress` is joblib's: 0, a level 1-9 (zlib), or
    ("lzma", 1) etc. Write errors are RnncliError (see `atomic_write`).
    """
    if not isinstance(data, dict):
        raise TypeError(f"save() takes a dict, got {type(data).__name__}")
    plain = _plain(data, "data", 0)
    atomic_write(path, lambda f: joblib.dump(plain, f, compress=compress, protocol=_PROTOCOL), what="model")


def _plain(value, where: str, depth: int):
    """A copy of `value` as plain data; raises TypeError (or ArtifactError for a too-large array)."""
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_DEPTH:  # the same limit as _check_plain
        raise TypeError(f"cannot save {where}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
    if isinstance(value, np.generic):
        value = value.item()  # np.float64 -> float, np.int64 -> int, np.bool_ -> bool
    if value is None or type(value) in _SCALARS:
        return value
    for base in (str, int, float):  # subclasses (IntEnum, ...) would pickle their own class
        if isinstance(value, base):
            return base(value)
    if isinstance(value, dict):
        return {_plain_key(k, where): _plain(v, f"{where}[{k!r}]", depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, np.ndarray):
        array = np.asarray(value)  # np.matrix, np.memmap -> ndarray
        if not _is_numeric(array.dtype):
            raise TypeError(f"cannot save {where}: arrays must be numeric (bool, int, float, complex), "
                            f"got dtype {array.dtype}")
        if array.size > MAX_ARRAY_ELEMENTS:
            raise ArtifactError(f"cannot save {where}: {array.size} elements, more than the "
                                f"{MAX_ARRAY_ELEMENTS} a model file may hold; train a smaller model")
        return array
    raise TypeError(f"cannot save {where}: {type(value).__name__} is not plain data "
                    "(dict, list, tuple, str, int, float, bool, None or a numeric ndarray)")


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


# -- load ---------------------------------------------------------------------------------------


def load(path) -> dict:
    """Read a model file written by `save` with the restricted loader; returns the checked dict.

    Raises ArtifactError when the file is missing, corrupt, truncated, not an rnncli model or of a
    newer format version, and UnsafeArtifactError when it asks for anything the loader refuses.
    """
    name = os.fspath(path)
    try:
        with _open_model(name) as (f, size):
            if size > MAX_FILE_BYTES:
                raise UnsafeArtifactError(f"'{name}' is {size} bytes, more than the {MAX_FILE_BYTES} a model "
                                          "file may be; re-train the model or get it from a source you trust")
            if size == 0:
                raise ArtifactError(f"'{name}' is corrupt or truncated: the file is empty; "
                                    "re-train or re-download it")
            obj = _unpickle(f, name)
        _check_plain(obj)
        _check_model(obj, name)
    except ArtifactError:
        raise
    except _Refused as e:
        raise UnsafeArtifactError(f"'{name}' asks for {e}, which rnncli's safe loader refuses; "
                                  "re-train the model or get it from a source you trust") from None
    except Exception as e:  # fail closed: whatever the bytes did to the parser, it is a bad file
        if not _looks_like_joblib(name):
            raise ArtifactError(f"'{name}' is not an rnncli model file (it does not start like a joblib "
                                "file); pass a model saved by 'rnncli train'") from e
        raise ArtifactError(f"'{name}' is corrupt or truncated: {_short(e)}; "
                            "re-train or re-download it") from e
    return obj


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


@contextlib.contextmanager
def _data_stream(f, name: str):
    """The decompressed stream of an open joblib file, capped (MAX_DATA_BYTES, MAX_PICKLE_BYTES)."""
    if f.peek(2)[:2] == b"ZF":
        raise _Refused("joblib's pre-0.10 file format (its loader is not restricted)")
    with _validate_fileobject_and_memmap(f, name, None) as (stream, _):
        if isinstance(stream, str):  # joblib's own sign of the pre-0.10 format
            raise _Refused("joblib's pre-0.10 file format (its loader is not restricted)")
        try:
            yield _CappedReader(stream, MAX_DATA_BYTES, MAX_PICKLE_BYTES)
        finally:
            if stream is not f:
                stream.close()


def _unpickle(f, name: str):
    with _data_stream(f, name) as stream:
        obj = _SafeUnpickler(stream).load()
        if stream.read(1):  # also reads compressed streams to their end, where checksums are checked
            raise ValueError("unexpected data after the end of the pickle")
    return obj


class _CappedReader:
    """A read-only stream that counts what it hands out: at most `limit` bytes in all, of which at
    most `instruction_limit` through read() and readline(), the calls the pickle machinery makes;
    array bytes come through read_exact(). Reads are chunked, so a length field claiming gigabytes
    costs only the bytes really present.
    """

    def __init__(self, raw, limit: int, instruction_limit: int):
        self._raw, self._limit, self._instruction_limit = raw, limit, instruction_limit
        self._pos = self._instructions = 0

    def tell(self) -> int:
        return self._pos

    def _take(self, chunk: bytes, instructions: bool = True) -> bytes:
        self._pos += len(chunk)
        if self._pos > self._limit:
            raise _Refused(f"more than {self._limit} bytes of data once decompressed")
        if instructions:
            self._instructions += len(chunk)
            if self._instructions > self._instruction_limit:
                raise _Refused(f"more than {self._instruction_limit} bytes of pickle instructions")
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

    def read_exact(self, n: int, what: str) -> bytearray:
        """Exactly n bytes of array data in a growing (writable) buffer; ValueError at the end of the data."""
        buf = bytearray()
        while len(buf) < n:
            chunk = self._take(self._raw.read(min(n - len(buf), _CHUNK)), instructions=False)
            if not chunk:
                raise ValueError(f"the data ends inside {what} ({len(buf)} of {n} bytes)")
            buf += chunk
        return buf


class _SafeUnpickler(NumpyUnpickler):
    """joblib's unpickler with every object-making opcode restricted (see the module docstring)."""

    dispatch = NumpyUnpickler.dispatch.copy()

    def __init__(self, stream: _CappedReader):
        super().__init__("", stream, ensure_native_byte_order=True, mmap_mode=None)

    def find_class(self, module, name):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise _Refused(f"the global {_short(module, 60)}.{_short(name, 60)}") from None

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if func is not np.dtype:
            raise _Refused(f"a call to {_name_of(func) if callable(func) else _describe(func)}")
        _check_dtype_args(args)
        self.stack[-1] = np.dtype(args[0], False, True)  # a fresh copy: BUILD may set its byte order

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls is not NumpyArrayWrapper:
            raise _Refused(f"a new {_name_of(cls)} object" if isinstance(cls, type) else
                           f"a new object from {_describe(cls)}")
        if type(args) is not tuple or args:
            raise _Refused("a NumpyArrayWrapper built with arguments")
        self.append(object.__new__(NumpyArrayWrapper))

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is NumpyArrayWrapper:
            dtype = state.get("dtype") if type(state) is dict else None
            shape, order, dtype, padded = _array_header(
                state, subclass_ok=type(state) is dict and state.get("subclass") is np.ndarray,
                dtype=dtype if isinstance(dtype, np.dtype) else None)
            self.stack[-1] = _read_array(self.file_handle, shape, order, dtype, padded)
        elif isinstance(inst, np.dtype):
            _check_dtype_state(state)
            inst.__setstate__(state)
        else:
            raise _Refused(f"setting the state of {_describe(inst)}")

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.BUILD[0]] = load_build


def _refuse_opcode(opname: str):
    def refuse(self):
        raise _Refused(f"the pickle opcode {opname}")

    return refuse


_REFUSED_OPCODES = ("INST", "OBJ", "NEWOBJ_EX", "PERSID", "BINPERSID", "EXT1", "EXT2", "EXT4",
                    "EMPTY_SET", "ADDITEMS", "FROZENSET")
for _opname in _REFUSED_OPCODES:
    _SafeUnpickler.dispatch[getattr(pickle, _opname)[0]] = _refuse_opcode(_opname)


def _is_numeric(dtype: np.dtype) -> bool:
    return (dtype.kind in _NUMERIC_KINDS and not dtype.hasobject and dtype.fields is None
            and dtype.subdtype is None)


def _check_dtype_args(args) -> None:
    """numpy.dtype's own reduce arguments for a numeric dtype: ('f8', False, True)."""
    if not (type(args) is tuple and len(args) == 3 and type(args[0]) is str):
        raise _Refused(f"a call to numpy.dtype with the arguments {_repr(args)}")
    if not _DTYPE_NAME.fullmatch(args[0]):
        raise _Refused(f"the dtype {_repr(args[0])} (rnncli stores only numeric arrays)")
    if args[1] is not False or args[2] is not True:
        raise _Refused(f"a call to numpy.dtype with the arguments {_repr(args)}")


def _check_dtype_state(state) -> None:
    """A numeric dtype's state is (3, byteorder, None, None, None, -1, -1, 0): no fields, no subarray."""
    ok = (type(state) is tuple and len(state) == 8 and all(type(v) in _SCALARS for v in state)
          and state[0] == 3 and state[1] in ("<", ">", "|", "=") and state[2:5] == (None, None, None)
          and state[5:] == (-1, -1, 0))
    if not ok:
        raise _Refused(f"a dtype with the state {_repr(state)}")


def _array_header(state, *, subclass_ok: bool, dtype) -> tuple[tuple, str, np.dtype, bool]:
    """Check one NumpyArrayWrapper state: (shape, order, dtype, padded), or _Refused."""
    if type(state) is not dict or not all(type(k) is str for k in state):
        raise _Refused(f"an array header of type {type(state).__name__}")
    odd = sorted((_HEADER_REQUIRED - state.keys()) | (state.keys() - _HEADER_KEYS))
    if odd:
        raise _Refused(f"an array header with missing or unknown fields {_repr(odd)}")
    if not subclass_ok:
        raise _Refused("an array whose class is not numpy.ndarray")
    shape = state["shape"]
    if (type(shape) is not tuple or len(shape) > 64
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise _Refused(f"an array of shape {_repr(shape)}")
    count = math.prod(shape)
    if count > MAX_ARRAY_ELEMENTS:
        raise _Refused(f"an array of {count} elements (the limit is {MAX_ARRAY_ELEMENTS})")
    order = state["order"]
    if type(order) is not str or order not in ("C", "F"):
        raise _Refused(f"an array in order {_repr(order)}")
    if dtype is None or not _is_numeric(dtype):
        raise _Refused("an array whose dtype is not a numeric numpy.dtype")
    align = state.get("numpy_array_alignment_bytes")
    if align is not None and type(align) is not int:
        raise _Refused(f"an array alignment of {_repr(align)}")
    return shape, order, dtype, align is not None


def _read_array(stream: _CappedReader, shape: tuple, order: str, dtype: np.dtype, padded: bool) -> np.ndarray:
    """Read one checked array the way joblib writes it: [pad length, pad bytes,] raw bytes in `order`."""
    if padded:
        stream.read_exact(stream.read_exact(1, "an array's padding")[0], "an array's padding")
    count = math.prod(shape)
    buf = stream.read_exact(count * dtype.itemsize, f"an array of {count} elements")
    flat = np.frombuffer(buf, dtype=dtype, count=count)  # writable: it views the bytearray
    array = flat.reshape(shape[::-1]).T if order == "F" else flat.reshape(shape)
    if not array.dtype.isnative:
        array = array.byteswap().view(array.dtype.newbyteorder("="))
    if not array.flags.aligned:
        array = array.copy(order="K")
    return array


def _check_plain(obj) -> None:
    """The loaded object holds only plain data, nested at most MAX_DEPTH deep, without cycles."""
    done: set[int] = set()  # containers already checked (a pickle may share them)
    open_: set[int] = set()  # containers on the current path (seeing one again is a cycle)

    def where(path) -> str:
        keys = []
        while path is not None:
            path, key = path
            keys.append(f"[{_repr(key)}]")
        return "data" + "".join(reversed(keys))

    def check(value, path, depth: int) -> None:
        kind = type(value)
        if kind in _SCALARS:
            return
        if kind is np.ndarray:
            if not _is_numeric(value.dtype):
                raise _Refused(f"an array of dtype {value.dtype} at {where(path)}")
            return
        if kind not in (dict, list, tuple):
            raise _Refused(f"{_describe(value)} at {where(path)} (only plain data is allowed)")
        if id(value) in open_:
            raise _Refused(f"a container that contains itself at {where(path)}")
        if id(value) in done:
            return
        if depth >= MAX_DEPTH:
            raise _Refused(f"data nested deeper than {MAX_DEPTH} levels at {where(path)}")
        open_.add(id(value))
        if kind is dict:
            for key, item in value.items():
                if type(key) not in _SCALARS:
                    raise _Refused(f"a dict key that is {_describe(key)} at {where(path)}")
                check(item, (path, key), depth + 1)
        else:
            for i, item in enumerate(value):
                check(item, (path, i), depth + 1)
        open_.discard(id(value))
        done.add(id(value))

    check(obj, None, 0)


# The light schema of format version 1: the keys `Forecaster.from_dict` reads, and their types.
_SCHEMA = {
    "options": dict, "network": dict, "scale": str, "scaler": dict, "columns": list, "feature_idx": list,
    "target_idx": list, "tail": np.ndarray, "train_targets": np.ndarray, "n_rows": int,
    "val_residuals": np.ndarray, "val_rmse": list, "naive_rmse": list, "history": dict,
}


def _check_model(obj, name: str) -> None:
    """A dict in the rnncli format, of a version this rnncli reads, with the keys it needs."""
    fmt = obj.get("format") if type(obj) is dict else None
    if type(fmt) is not str or fmt != FORMAT:
        what = f"its 'format' is not {FORMAT!r}" if type(obj) is dict else f"it holds a {type(obj).__name__}"
        raise ArtifactError(f"'{name}' is not an rnncli model ({what}); pass a model file saved by rnncli")
    version = obj.get("format_version")
    if type(version) is not int or version < 1:
        problem = f"'format_version' is {_repr(version)}, not a positive integer"
    elif version > FORMAT_VERSION:
        raise ArtifactError(f"'{name}' was written by a newer rnncli (format {version}); upgrade rnncli")
    else:
        problem = _schema_problem(obj)
    if problem:
        raise ArtifactError(f"'{name}' is not a valid rnncli model: {problem}; re-train or re-download it")


def _schema_problem(obj: dict) -> str | None:
    for key, kind in _SCHEMA.items():
        if key not in obj:
            return f"'{key}' is missing"
        if type(obj[key]) is not kind:
            return f"'{key}' should be a {kind.__name__}, got {type(obj[key]).__name__}"
    flat = obj["network"].get("flat")
    if type(flat) is not np.ndarray or flat.dtype.kind != "f" or flat.ndim != 1:
        return "'network.flat' should be a 1-D float array"
    if not all(type(c) is str for c in obj["columns"]):
        return "'columns' should be a list of str"
    for key in ("feature_idx", "target_idx"):
        if not all(type(i) is int for i in obj[key]):
            return f"'{key}' should be a list of int"
    if obj.get("time") is not None and type(obj.get("time")) is not dict:
        return "'time' should be a dict or None"
    return None


# -- audit --------------------------------------------------------------------------------------


def audit(path) -> dict:
    """What a model file would ask the loader for, found by reading its opcodes, constructing nothing.

    Returns {"globals": sorted "module.name" strings, "arrays": [{"dtype", "shape", "order"}, ...],
    "safe": bool, "reasons": [...]}. `safe` says whether the restricted loader accepts every
    global, call and array header in the file (arrays of objects are followed into their nested
    pickle); it does not check the model's schema. Raises ArtifactError only when the file cannot
    be opened; a corrupt or oversized file is reported as a reason.
    """
    name = os.fspath(path)
    report = {"globals": set(), "arrays": [], "reasons": []}
    with _open_model(name) as (f, size):
        try:
            if size > MAX_FILE_BYTES:
                raise _Refused(f"a file of {size} bytes (the limit is {MAX_FILE_BYTES})")
            with _data_stream(f, name) as stream:
                _Walk(stream, report).run()
        except _Refused as e:
            report["reasons"].append(f"asks for {e}")
        except _StopWalk as e:
            report["reasons"].append(str(e))
        except Exception as e:
            report["reasons"].append(f"corrupt or truncated: {_short(e)}")
    reasons = list(dict.fromkeys(report["reasons"]))
    return {"globals": sorted(report["globals"]), "arrays": report["arrays"], "safe": not reasons,
            "reasons": reasons}


class _Global:
    """A global the file names (never imported)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __eq__(self, other):
        return isinstance(other, _Global) and (self.module, self.name) == (other.module, other.name)

    __hash__ = None

    def __str__(self):
        return f"{self.module}.{self.name}"


class _Made:
    """What REDUCE, NEWOBJ or INST would have made: the callable, its arguments and any BUILD state."""

    def __init__(self, func, args):
        self.func, self.args, self.state = func, args, None


_WRAPPER = _Global("joblib.numpy_pickle", "NumpyArrayWrapper")
_NDARRAY = _Global("numpy", "ndarray")
_DTYPE = _Global("numpy", "dtype")
_CONSTANTS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "STRING", "BINSTRING",
              "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "UNICODE",
              "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "FLOAT", "BINFLOAT"}


class _Walk:
    """A symbolic run of one pickle over `pickletools.genops`: values are plain containers,
    `_Global` and `_Made` placeholders; after each array header the array's bytes are skipped."""

    def __init__(self, stream: _CappedReader, report: dict, nested: int = 0):
        self.stream, self.report, self.nested = stream, report, nested
        self.stack, self.marks, self.memo = [], [], {}

    def refuse(self, reason: str) -> None:
        self.report["reasons"].append(f"asks for {reason}")

    def pop_mark(self) -> list:
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def name_global(self, module, name) -> _Global:
        g = _Global(module, name)
        self.report["globals"].add(str(g))
        if type(module) is not str or type(name) is not str:
            self.refuse("a global whose name is computed")
        elif (module, name) not in ALLOWED_GLOBALS:
            self.refuse(f"the global {g}")
        return g

    def run(self) -> None:
        for op, arg, _ in pickletools.genops(self.stream):
            self.step(op.name, arg)

    def step(self, op: str, arg) -> None:
        stack = self.stack
        if op in _CONSTANTS:
            stack.append(arg)
        elif op in ("NONE", "NEWTRUE", "NEWFALSE"):
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[op])
        elif op in ("EMPTY_DICT", "EMPTY_LIST"):
            stack.append({} if op == "EMPTY_DICT" else [])
        elif op == "EMPTY_TUPLE":
            stack.append(())
        elif op == "MARK":
            self.marks.append(len(stack))
        elif op in ("TUPLE", "LIST"):
            items = self.pop_mark()
            stack.append(tuple(items) if op == "TUPLE" else items)
        elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
            start = len(stack) - int(op[-1])
            if start < 0:
                raise IndexError("pickle stack underflow")
            items = tuple(stack[start:])
            del stack[start:]
            stack.append(items)
        elif op == "DICT":
            items = self.pop_mark()
            stack.append(self.pairs({}, items))
        elif op in ("SETITEM", "SETITEMS"):
            items = stack[-2:] if op == "SETITEM" else self.pop_mark()
            if op == "SETITEM":
                del stack[-2:]
            self.pairs(stack[-1], items)
        elif op in ("APPEND", "APPENDS"):
            items = [stack.pop()] if op == "APPEND" else self.pop_mark()
            if type(stack[-1]) is list:
                stack[-1].extend(items)
        elif op == "POP":
            if stack:
                stack.pop()
            else:
                self.pop_mark()
        elif op == "POP_MARK":
            self.pop_mark()
        elif op == "DUP":
            stack.append(stack[-1])
        elif op in ("PUT", "BINPUT", "LONG_BINPUT"):
            self.memo[arg] = stack[-1]
        elif op == "MEMOIZE":
            self.memo[len(self.memo)] = stack[-1]
        elif op in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(self.memo[arg])
        elif op == "GLOBAL":
            stack.append(self.name_global(*arg.split(" ", 1)))
        elif op == "STACK_GLOBAL":
            name, module = stack.pop(), stack.pop()
            stack.append(self.name_global(module, name))
        elif op == "REDUCE":
            args = stack.pop()
            stack[-1] = self.made(stack[-1], args)
        elif op == "NEWOBJ":
            args, cls = stack.pop(), stack.pop()
            if cls != _WRAPPER:
                self.refuse(f"a new {cls} object")
            elif args != ():
                self.refuse("a NumpyArrayWrapper built with arguments")
            stack.append(_Made(cls, args))
        elif op == "BUILD":
            state = stack.pop()
            self.build(stack[-1], state)
        elif op in _REFUSED_OPCODES:
            self.refuse(f"the pickle opcode {op}")
            self.opaque(op, arg)
        elif op == "NEXT_BUFFER":
            self.refuse("an out-of-band buffer")
            stack.append(None)
        # PROTO, FRAME, READONLY_BUFFER and STOP change nothing this walk tracks

    def opaque(self, op: str, arg) -> None:
        """The refused object-making opcodes: keep the stack in shape and record any global."""
        stack = self.stack
        if op == "INST":
            self.pop_mark()
            stack.append(_Made(self.name_global(*arg.split(" ", 1)), None))
        elif op == "OBJ":
            items = self.pop_mark()
            stack.append(_Made(items[0] if items else None, None))
        elif op == "NEWOBJ_EX":
            del stack[-3:]
            stack.append(None)
        elif op == "BINPERSID":
            stack[-1] = None
        elif op == "FROZENSET":
            self.pop_mark()
            stack.append(None)
        elif op == "ADDITEMS":
            self.pop_mark()
        else:  # PERSID, EXT*, EMPTY_SET
            stack.append(None)

    @staticmethod
    def pairs(target, items: list):
        if type(target) is dict:
            for key, value in zip(items[::2], items[1::2], strict=False):
                if type(key) in _SCALARS:
                    target[key] = value
        return target

    def made(self, func, args) -> _Made:
        if func != _DTYPE:
            self.refuse(f"a call to {func}" if isinstance(func, _Global) else "a call to a computed callable")
        else:
            try:
                _check_dtype_args(args)
            except _Refused as e:
                self.refuse(str(e))
        return _Made(func, args)

    def build(self, inst, state) -> None:
        if isinstance(inst, _Made) and inst.func == _DTYPE:
            try:
                _check_dtype_state(state)
            except _Refused as e:
                self.refuse(str(e))
            inst.state = state
        elif isinstance(inst, _Made) and inst.func == _WRAPPER:
            self.stack[-1] = self.array(state)
        elif isinstance(inst, _Made):
            self.refuse(f"setting the state of a {inst.func} object")
        else:
            self.refuse(f"setting the state of the class {inst}" if isinstance(inst, _Global) else
                        f"setting the state of a {type(inst).__name__} object")

    def array(self, state):
        """Record one array header and move the stream past the array's bytes."""
        spec = state.get("dtype") if type(state) is dict else None
        is_dtype = isinstance(spec, _Made) and spec.func == _DTYPE
        name = spec.args[0] if is_dtype and type(spec.args) is tuple and spec.args else None
        dtype = None
        if type(name) is str and _DTYPE_NAME.fullmatch(name):
            byteorder = spec.state[1] if type(spec.state) is tuple and len(spec.state) > 1 else "="
            with contextlib.suppress(TypeError, ValueError):  # from checked text, not by the file's calls
                dtype = np.dtype(name).newbyteorder(byteorder)
        shape = state.get("shape") if type(state) is dict else None
        self.report["arrays"].append({
            "dtype": dtype.str if dtype is not None else str(name),
            "shape": list(shape) if type(shape) is tuple else None,
            "order": state.get("order") if type(state) is dict else None})
        try:
            shape, _, dtype, padded = _array_header(
                state, subclass_ok=type(state) is dict and state.get("subclass") == _NDARRAY, dtype=dtype)
        except _Refused as e:
            self.refuse(str(e))
            if type(name) is str and name.startswith("O") and self.nested < 2:
                # joblib writes an object array as a nested pickle: follow it to see what it asks for
                _Walk(self.stream, self.report, self.nested + 1).run()
                return _Made(_NDARRAY, None)
            raise _StopWalk(f"stopped reading at byte {self.stream.tell()}: cannot step over a refused array"
                            ) from None
        if padded:
            self.stream.read_exact(self.stream.read_exact(1, "an array's padding")[0], "an array's padding")
        remaining = math.prod(shape) * dtype.itemsize
        while remaining:
            remaining -= len(self.stream.read_exact(min(remaining, _CHUNK), "an array"))
        return _Made(_NDARRAY, None)


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
