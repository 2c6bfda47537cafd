"""The restricted reader of a model file's pickle stream: plain data and checked arrays, nothing else.

`unpickle` runs Python's own unpickler with a dispatch table of plain-data opcodes only (no global
is resolved; REDUCE, BUILD, NEWOBJ, INST, OBJ, sets, persistent ids, extensions and buffers are
refused), reading the stream in chunks through a byte cap and counting containers, memo entries and
instructions against their limits. `rebuild` then checks that the result is a tree of plain data at
most `MAX_DEPTH` deep and turns each array record {"__ndarray__": dtype, "shape", "order", "bytes"}
into an ndarray with `np.frombuffer`, after checking its dtype (`ARRAY_DTYPES`), its element count
(at most `MAX_ARRAY_ELEMENTS`) and prod(shape) x itemsize == len(bytes). What the file asks for and
the reader refuses raises `Refused`; an inconsistent array record raises `Invalid` (both are turned
into one-line `ArtifactError`s by `rnncli.io.artifact`, whose limits are passed in at each call).
"""

import contextlib
import io
import itertools
import math
import pickle
import pickletools
import zlib
from typing import ClassVar

import numpy as np

from ..errors import ArtifactError
from ..model.persist import FORMAT_VERSION
from .messages import brief_repr, describe, short

__all__ = ["ARRAY_DTYPES", "ARRAY_KEY", "MAX_ARRAY_ELEMENTS", "MAX_DATA_BYTES", "MAX_DEPTH", "MAX_OBJECTS",
           "MAX_OPCODES", "SCALARS", "Invalid", "NotPickle", "Refused", "rebuild", "unpickle"]

ARRAY_KEY = "__ndarray__"  # a dict with this key is an array record (a reserved key in saved data)
# The dtypes an array may have in the file: numeric, little-endian (one byte: no byte order).
ARRAY_DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8",
                          "<f2", "<f4", "<f8", "<c8", "<c16"})
MAX_DATA_BYTES = 2 * 1024**3  # decompressed pickle stream, array bytes included
# What the pickle instructions may make besides bytes and strings (whose size is their data's):
# a container or memo entry costs at most about 120 bytes, any other instruction about 40 (a
# float and its stack slot), so these bound a hostile file's demand to about 12 + 160 MB. A
# 300-epoch, 5-column model needs about 120 containers and 2,000 instructions.
MAX_OBJECTS = 100_000
MAX_OPCODES = 4_000_000
MAX_ARRAY_ELEMENTS = 10**8  # per array
MAX_DEPTH = 100  # nesting of dicts, lists and tuples
SCALARS = (str, int, float, bool, type(None))  # the scalar types of plain data
_CHUNK = 1024**2  # bytes per read: allocations follow the data present, not a length field
_ARRAY_FIELDS = frozenset({ARRAY_KEY, "shape", "order", "bytes"})


class Refused(Exception):
    """The file asks for something the restricted loader will not construct; str(e) says what."""


class NotPickle(Exception):
    """A compressed file whose decompressed content is not a pickle (joblib's files hold protocol 2+,
    which starts with b"\\x80"); `head` holds its first decompressed bytes."""

    def __init__(self, head: bytes):
        super().__init__("the decompressed content is not a pickle")
        self.head = head


class Invalid(Exception):
    """The file's content is not a valid model; str(e) names the field and the problem."""


def unpickle(f, name: str, report: dict, *, max_data_bytes: int = MAX_DATA_BYTES,
             max_objects: int = MAX_OBJECTS, max_opcodes: int = MAX_OPCODES):
    """The plain data in an open joblib file `f` (named `name` in messages), read by `_PlainUnpickler`
    from a stream capped at `max_data_bytes` once decompressed, making at most `max_objects` containers
    and memo entries and running at most `max_opcodes` instructions. Appends each global the stream
    names to report["globals"]. Raises Refused for what the reader will not construct, NotPickle for a
    compressed file that holds something else, ArtifactError for a file of format 1, and whatever a
    corrupt stream makes the parser raise."""
    if f.peek(2)[:2] == b"ZF":
        raise Refused("joblib's pre-0.10 file format (its loader is not restricted)")
    with _joblib_stream(f, name) as (raw, _):
        if isinstance(raw, str):  # joblib's own sign of the pre-0.10 format
            raise Refused("joblib's pre-0.10 file format (its loader is not restricted)")
        try:
            stream = _CappedReader(raw, max_data_bytes)
            if raw is not f:
                head = stream.head(4096)
                if head and not head.startswith(b"\x80"):
                    raise NotPickle(head)
            obj = _PlainUnpickler(stream, name, report, max_objects, max_opcodes).load()
            if stream.read(1):  # also reads compressed streams to their end, where checksums are checked
                raise ValueError("unexpected data after the end of the pickle")
        finally:
            if raw is not f:
                raw.close()
    return obj


@contextlib.contextmanager
def _joblib_stream(f, name: str):
    """The stream joblib itself would read from an open file (`_validate_fileobject_and_memmap`): the
    file as it is when it is not compressed, else the decompressed stream.

    joblib picks the stream by the file's first bytes. A pickle's PROTO opcode (b"\\x80", what
    `joblib.dump(compress=0)` writes) matches none of its compressors, so that file is read as it is;
    a zlib stream (b"\\x78", `compress=1..9`, `save`'s default) or a gzip one (b"\\x1f\\x8b",
    `compress=("gzip", n)`) is what joblib's `BinaryZlibFile` / `BinaryGzipFile` write and read with
    the stdlib's zlib: those are inflated here by the stdlib too (`_Inflated`). Neither imports joblib,
    whose import (its parallel machinery) costs more than reading a model. Other compressors (bz2,
    lzma, xz, lz4) are read by joblib. Everything after this point is the same for all.
    """
    first = f.peek(2)[:2]
    if first[:1] == b"\x80":
        yield f, None
        return
    for prefix, wbits in _INFLATED:
        if first.startswith(prefix):
            with io.BufferedReader(_Inflated(f, wbits), _CHUNK) as stream:
                yield stream, None
            return
    from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

    with _validate_fileobject_and_memmap(f, name, None) as opened:
        yield opened


# joblib's zlib and gzip files (their prefixes, joblib.compressor) and the zlib window bits that read them
_INFLATED = ((b"\x78", zlib.MAX_WBITS), (b"\x1f\x8b", 16 + zlib.MAX_WBITS))


class _Inflated(io.RawIOBase):
    """The decompressed content of one zlib (or gzip) stream that fills the open file `f` to its end.

    Reads inflate at most the bytes asked for (a small file cannot make a read allocate gigabytes);
    the stream's checksum is checked at its end. A file that ends before the end of the stream
    raises EOFError, one with data after it ValueError.
    """

    def __init__(self, f, wbits: int):
        self._f, self._inflate = f, zlib.decompressobj(wbits)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not len(buffer):
            return 0  # (zlib reads max_length 0 as no limit)
        while not self._inflate.eof:
            data = self._inflate.unconsumed_tail or self._f.read(_CHUNK)
            if not data:
                raise EOFError("the compressed stream ends before its end marker")
            out = self._inflate.decompress(data, len(buffer))
            if out:
                buffer[:len(out)] = out
                return len(out)
        if self._inflate.unused_data or self._f.read(1):
            raise ValueError("unexpected data after the end of the compressed stream")
        return 0


class _CappedReader:
    """A read-only stream that hands out at most `limit` bytes in all. Reads are chunked, so a
    length field claiming gigabytes costs only the bytes really present."""

    def __init__(self, raw, limit: int):
        self._raw, self._limit, self._pos = raw, limit, 0
        self._buffer = b""

    def head(self, n: int) -> bytes:
        """The first `n` bytes (fewer at the end), read again by the next read or readline."""
        self._buffer = self._take(self._raw.read(n))
        return self._buffer

    def _buffered(self, n: int) -> bytes:
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def _take(self, chunk: bytes) -> bytes:
        self._pos += len(chunk)
        if self._pos > self._limit:
            raise Refused(f"more than {self._limit} bytes of data once decompressed")
        return chunk

    def read(self, n: int | None = -1) -> bytes:
        want = self._limit + 1 - self._pos + len(self._buffer) if n is None or n < 0 else n
        chunks = [self._buffered(want)]
        want -= len(chunks[0])
        while want > 0:
            chunk = self._take(self._raw.read(min(want, _CHUNK)))
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)

    def readline(self, size: int = -1) -> bytes:
        end = self._buffer.find(b"\n")
        if end >= 0:
            return self._buffered(end + 1)
        chunks = [self._buffered(len(self._buffer))]
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

    def __init__(self, stream: _CappedReader, name: str, report: dict, max_objects: int, max_opcodes: int):
        super().__init__(stream)
        self.name, self.report = name, report
        self.max_objects, self.max_opcodes = max_objects, max_opcodes
        self.objects = self.opcodes = 0

    def find_class(self, module, name):
        named = f"{short(module, 60)}.{short(name, 60)}"
        self.report["globals"].append(named)
        if (module, name) in _FORMAT_1_GLOBALS and self._pending_version() == 1:
            raise ArtifactError(
                f"'{self.name}' is a model file of format 1, which stored NumPy objects; this rnncli reads "
                f"format {FORMAT_VERSION}, plain data only: re-train the model with this rnncli")
        raise Refused(f"the global {named}")

    def persistent_load(self, pid):
        raise Refused("a persistent id")

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
        if self.opcodes > self.max_opcodes:
            raise Refused(f"more than {self.max_opcodes} pickle instructions")
        if heavy:
            self.objects += 1
            if self.objects > self.max_objects:
                raise Refused(f"more than {self.max_objects} containers and memo entries")
        handler(self)

    return run


def _refuse_opcode(opname: str):
    def refuse(self):
        raise Refused(f"the pickle opcode {opname}")

    return refuse


for _op in pickletools.opcodes:
    _code = _op.code.encode("latin-1")[0]
    if _op.name in _PLAIN_OPCODES:
        _PlainUnpickler.dispatch[_code] = _counted(pickle._Unpickler.dispatch[_code], _op.name)
    elif _op.name in ("GLOBAL", "STACK_GLOBAL"):
        _PlainUnpickler.dispatch[_code] = pickle._Unpickler.dispatch[_code]
    else:
        _PlainUnpickler.dispatch[_code] = _refuse_opcode(_op.name)


def rebuild(obj, report: dict, *, max_array_elements: int = MAX_ARRAY_ELEMENTS):
    """The unpickled object with its array records replaced by arrays, once checked to be a tree of
    plain data (no container reached twice, at most MAX_DEPTH deep); Refused otherwise. Appends
    {"dtype", "shape", "order"} of each array record to report["arrays"]; an array may hold at most
    `max_array_elements` elements."""
    seen: set[int] = set()  # containers already reached
    open_: set[int] = set()  # containers on the current path (seeing one again is a cycle)

    def where(path) -> str:
        keys = []
        while path is not None:
            path, key = path
            keys.append(f"[{brief_repr(key)}]")
        return "data" + "".join(reversed(keys))

    def build(value, path, depth: int):
        kind = type(value)
        if kind in SCALARS:
            return value
        if kind not in (dict, list, tuple):
            raise Refused(f"{describe(value)} at {where(path)} (only plain data is allowed)")
        if id(value) in open_:
            raise Refused(f"a container that contains itself at {where(path)}")
        if value and id(value) in seen:
            raise Refused(f"a container reached twice at {where(path)} (a model file is a tree)")
        if depth >= MAX_DEPTH:
            raise Refused(f"data nested deeper than {MAX_DEPTH} levels at {where(path)}")
        ident = id(value)
        seen.add(ident)
        if kind is dict and ARRAY_KEY in value:
            return _array(value, where(path), report, max_array_elements)
        open_.add(ident)
        if kind is dict:
            for key, item in value.items():
                if type(key) not in SCALARS:
                    raise Refused(f"a dict key that is {describe(key)} at {where(path)}")
                value[key] = build(item, (path, key), depth + 1)
        elif kind is list:
            for i, item in enumerate(value):
                value[i] = build(item, (path, i), depth + 1)
        else:
            value = tuple(build(item, (path, i), depth + 1) for i, item in enumerate(value))
        open_.discard(ident)
        return value

    return build(obj, None, 0)


def _array(record: dict, where: str, report: dict, max_elements: int) -> np.ndarray:
    """The writable, native-order ndarray an array record describes; Refused or Invalid if it cannot be."""
    if record.keys() != _ARRAY_FIELDS:
        raise Refused(f"an array record with the fields {brief_repr(sorted(map(str, record)))} at {where}")
    dtype, shape, order, raw = record[ARRAY_KEY], record["shape"], record["order"], record["bytes"]
    plain_shape = type(shape) is list and len(shape) <= 32 and all(type(n) is int for n in shape)
    report["arrays"].append({"dtype": short(dtype, 40) if type(dtype) is str else brief_repr(dtype),
                             "shape": shape if plain_shape else None,
                             "order": short(order, 40) if type(order) is str else brief_repr(order)})
    if type(dtype) is not str or dtype not in ARRAY_DTYPES:
        raise Refused(f"the dtype {brief_repr(dtype)} at {where} "
                       "(rnncli stores only numeric little-endian arrays)")
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise Refused(f"an array of shape {brief_repr(shape)} at {where}")
    count = math.prod(shape)
    if count > max_elements:
        raise Refused(f"an array of {count} elements at {where} (the limit is {max_elements})")
    if type(order) is not str or order not in ("C", "F"):
        raise Refused(f"an array in order {brief_repr(order)} at {where}")
    if type(raw) is not bytes:
        raise Refused(f"array data that is {describe(raw)} at {where}")
    dt = np.dtype(dtype)
    if count * dt.itemsize != len(raw):
        raise Invalid(f"the array at {where} should hold {count} x {dt.itemsize} bytes "
                       f"(shape {tuple(shape)}, dtype {dtype}), not {len(raw)}")
    flat = np.frombuffer(raw, dtype=dt, count=count)
    return flat.reshape(shape, order=order).astype(dt.newbyteorder("="), order="K")  # a writable copy

