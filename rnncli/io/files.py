"""Output files: checked before any work, then written atomically, never over what is not a regular file.

    >>> from rnncli.io import files
    >>> path = files.check_output("m.joblib", inputs={"DATA": "airline.csv"})   # before training
    >>> files.atomic_write(path, lambda f: f.write(b"..."))                      # after it

`check_output` refuses, before minutes of work, an output that could not be written or should not be:
a directory (or a name ending in a separator), a path under a missing directory or a file, a
directory that does not take new files (tried by creating and removing a probe file, so it holds for
root and read-only filesystems too), an existing FIFO, device or socket (writing there would replace
the machine's /dev/null as root, or a pipe), and one of the command's own inputs. A symlink is
resolved: the regular file it points to is what gets replaced, and the link stays.
`atomic_write` checks the same again at the moment of writing and hands the resolved path to
`artifact.atomic_write` (temp file beside it, fsync, os.replace).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping

from ..errors import ConfigError, RnncliError
from . import artifact

__all__ = ["atomic_write", "check_output", "resolve_output"]

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_PROBE_MARK = ".rnncli-probe-"


def resolve_output(path) -> str:
    """The file `path` names once symlinks are followed; RnncliError when it is not a regular file.

    A name that does not exist yet (or a dangling link's target) is returned as the path to create.
    """
    text = os.fspath(path)
    if not os.path.basename(text):
        raise RnncliError(f"cannot write to '{text}': the path names a directory, not a file")
    target = os.path.realpath(text) if os.path.islink(text) else text
    try:
        info = os.stat(text)  # follows links as the kernel does (/proc/self/fd/1 included)
    except (FileNotFoundError, NotADirectoryError):
        return target  # to be created (a dangling link: its target)
    except OSError as e:
        raise RnncliError(f"cannot write to '{text}': {e.strerror or e}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RnncliError(f"cannot write to '{text}': it is a directory")
    for is_kind, kind in _KINDS:
        if is_kind(info.st_mode):
            shown = text if target == text else f"{text}' -> '{target}"
            raise RnncliError(f"cannot write to '{shown}': it is {kind}, not a regular file; "
                              "choose a file name")
    return target


def check_output(path, *, inputs: Mapping[str, object] | None = None, what: str = "file") -> str:
    """Refuse, before any work, an output `path` that cannot or should not be written; returns the
    path to write (a symlink resolved).

    inputs: {label: path} of the command's own inputs ("DATA", "MODEL"); an output that is one of
    them is a ConfigError (usage, exit 2): writing it would replace what the command reads. "-" and
    None inputs are skipped. Every other refusal is an RnncliError (exit 1) naming the path and why.
    """
    text = os.fspath(path)
    target = resolve_output(text)
    for label, source in (inputs or {}).items():
        if source is None or os.fspath(source) == "-":
            continue
        if _same_file(target, os.fspath(source)):
            raise ConfigError(f"-o {text} is also {label}: the command would overwrite its own input; "
                              "choose another output file")
    directory = os.path.dirname(target) or "."
    shown = os.path.dirname(text) or "."
    if not os.path.isdir(directory):
        if os.path.exists(directory):
            raise RnncliError(f"cannot write to '{text}': '{shown}' is not a directory")
        raise RnncliError(f"cannot write to '{text}': directory '{shown}' does not exist")
    if not os.access(directory, os.W_OK):
        raise RnncliError(f"cannot write to '{text}': directory '{shown}' is not writable")
    _probe(directory, os.path.basename(target), text, what)
    return target


def atomic_write(path, write_fn, *, what: str = "file") -> None:
    """Create or replace the regular file `path` names (a symlink's target) all at once.

    `write_fn(fileobj)` fills a temp file beside it; see `artifact.atomic_write`. RnncliError when
    the path is (or now points to) a directory, FIFO, device or socket.
    """
    artifact.atomic_write(resolve_output(path), write_fn, what=what)


def _same_file(a: str, b: str) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _probe(directory: str, name: str, shown: str, what: str) -> None:
    """Create and remove a file beside the output: the directory takes new files (root included)."""
    probe = os.path.join(directory, f".{name}{_PROBE_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        reason = f"permission denied (in directory '{os.path.dirname(shown) or '.'}')" \
            if isinstance(e, PermissionError) else (e.strerror or str(e)).lower()
        raise RnncliError(f"cannot write {what} to '{shown}': {reason}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
