"""The `jazzgen` command line: one module per command, a thin layer over the library."""

from jazzgen.cli.app import app, main, run

__all__ = ["app", "main", "run"]
