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
