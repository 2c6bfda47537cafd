"""The errors rnncli raises. The CLI turns each into one line on stderr and an exit code."""


class RnncliError(Exception):
    """Base class: a problem the user can fix; the message says what and how."""

    exit_code = 1


class DataError(RnncliError):
    """The data cannot be used as given (too short, missing values, unknown column...)."""


class ConfigError(RnncliError):
    """An option value is invalid (a usage error: exit code 2)."""

    exit_code = 2


class TrainingError(RnncliError):
    """Training could not produce a usable model."""


class NonFiniteLossError(TrainingError):
    """The loss or a gradient became NaN or infinite; the best weights so far are kept."""

    def __init__(self, message: str, epoch: int):
        super().__init__(message)
        self.epoch = epoch


class ClusterError(RnncliError):
    """A Dask scheduler cannot be used: missing extra, bad address, unreachable, no workers, no rnncli."""


class ArtifactError(RnncliError):
    """A model file is corrupt, truncated, of an unknown version, or not an rnncli model."""


class UnsafeArtifactError(ArtifactError):
    """A model file asks for something the restricted loader refuses to construct."""


def install_hint(extra: str) -> str:
    """The command that installs the optional `extra` (plot, dask, parquet, excel) into this rnncli.

    From a source checkout (an editable install: the package sits beside a pyproject.toml) it is
    `pip install -e '<checkout>[extra]'` ('.' when run from the checkout itself); else
    `pip install 'rnncli[extra]'`.
    """
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "pyproject.toml")):
        return f"pip install 'rnncli[{extra}]'"
    where = "." if os.path.abspath(os.getcwd()) == root else root
    return f"pip install -e '{where}[{extra}]'"
