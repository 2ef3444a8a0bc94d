"""The small exception hierarchy of jazzgen.

Library code raises these; the CLI turns any `JazzgenError` into `Error: <message>` and
exit code 1. Messages say what was wrong, the allowed range, and what was received.
"""

from __future__ import annotations

from pathlib import PurePath

# One wording per kind of error, wherever it is raised.
FILE_NOT_FOUND = "file not found"
"""The reason for a missing input file: `PATH: file not found`."""

FOLDER_NOT_FOUND = "folder not found"
"""The reason for a missing folder: `PATH: folder not found`."""


def not_found(path: object) -> str:
    """The reason for a missing path that may be a file or a folder: a name with a suffix
    (`tune.mid`) is a file, others (`my_midi/`) a folder."""
    return FILE_NOT_FOUND if PurePath(str(path)).suffix else FOLDER_NOT_FOUND


def overwrite_refused(path: object) -> str:
    """The message for an output that exists and may only be replaced with --force."""
    return f"{path} exists: pass --force to overwrite it"


class JazzgenError(Exception):
    """Base class of every error a user can cause (bad file, bad option, bad bundle)."""


class InputFileError(JazzgenError):
    """A file could not be used: missing, not MIDI, corrupt, no melody, too short...

    `reason` is a one-line reason suitable for a `skipped` entry in a batch report.
    """

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ChordSymbolError(JazzgenError):
    """A chord symbol or chord progression text could not be parsed."""


class VocabError(JazzgenError):
    """A token is not in the vocabulary, or a vocabulary file is invalid."""


class ConfigError(JazzgenError):
    """An option or configuration value is out of range."""


class BundleError(JazzgenError):
    """A model bundle is missing, incomplete, or does not match its vocabulary/config."""


class CorpusError(JazzgenError):
    """The corpus is unusable for the requested operation (e.g. too small for Tx)."""


class RenderError(JazzgenError):
    """Audio or picture rendering failed (missing FluidSynth, SoundFont, matplotlib...)."""


class GenerationError(JazzgenError):
    """Generation produced nothing usable: a solo without notes, or sampling rules that
    leave no token to draw."""


class LimitError(JazzgenError):
    """Something is bigger than a limit of `core.limits` allows (a chord chart, a bundle...);
    the message names the limit and how to raise it."""


class InputLimitError(InputFileError, LimitError):
    """An input file is bigger than a limit allows (too long, too many notes...).

    Unlike other bad files, a refusal for a limit is not cached: it depends on the limit.
    """


class OutputError(JazzgenError):
    """An output file or folder cannot be written: read-only, disk full, not a folder, a
    folder that is not ours, or in use by another jazzgen run. Nothing is left half done."""


def os_reason(exc: OSError) -> str:
    """The one-line reason of an OSError ('No space left on device'), without its filename."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
