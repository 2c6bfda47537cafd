"""One-line descriptions of values and errors read from a file, for the model loader's messages.

A model file may hold anything a hostile writer put in it: a string of a megabyte, a list nested a
hundred deep, an exception whose text spans lines. `short` cuts any text or exception to one line
of bounded length, `brief_repr` gives a bounded repr of any value, `describe` names a class or an
object's type. Used by `artifact` (save, load, atomic write), `plaindata` (the restricted reader)
and `modelcheck` (the content checks), so every message they build stays one short line.
"""

import reprlib

from ..errors import shortened

__all__ = ["brief_repr", "describe", "short"]


def _name_of(obj) -> str:
    """'module.qualname' of a class or function."""
    module = getattr(obj, "__module__", None) or "?"
    return short(f"{module}.{getattr(obj, '__qualname__', '?')}", 80)


def describe(value) -> str:
    """'the class numpy.ndarray' or 'a bytes object'."""
    if isinstance(value, type):
        return f"the class {_name_of(value)}"
    return f"a {_name_of(type(value)).removeprefix('builtins.')} object"


def short(value, limit: int = 120) -> str:
    """One line of at most `limit` characters: str() of a text or an exception (named when terse)."""
    text = str(value)
    if isinstance(value, BaseException):
        if not text:
            text = "the data ends too early" if isinstance(value, EOFError) else type(value).__name__
        elif isinstance(value, (KeyError, IndexError, TypeError, AttributeError)):
            text = f"{type(value).__name__}: {text}"
    return shortened(" ".join(text.split()), limit)  # cut where the command line's text is


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 40, 40
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = _REPR.maxset = 8


def brief_repr(value) -> str:
    """A short one-line repr of a value read from a file, however large or deep it is."""
    return short(_REPR.repr(value))
