"""The `jazzgen` Typer app: the root options, the commands, and the error handling.

Each command lives in a module of its own (jazzgen.cli.inspect, preprocess, train,
generate, render, evaluate, export, play) as `<name>_command(args)`, taking its options as
one dataclass (see jazzgen.cli.options); this module registers them (with the help classes
of jazzgen.cli.help). Every command's docstring is its
`--help` (with an example). Library errors (`JazzgenError`), usage errors and failures of
the system (`OSError`: read-only, disk full, permissions...; `MemoryError`) become one line
`Error: ...` on stderr and exit code 1, never a traceback. `jazzgen --limit NAME=VALUE`
raises a limit of `core.limits` for the run. Heavy modules (TensorFlow,
music21, matplotlib) are imported inside the commands that need them, so `jazzgen --help`,
`inspect`, `preprocess` and `generate` start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError
from typer.exceptions import TyperException

from jazzgen import __version__
from jazzgen.cli import evaluate, export, generate, inspect, play, preprocess, render, train
from jazzgen.cli.help import JazzgenCommand, JazzgenGroup
from jazzgen.cli.options import typer_command
from jazzgen.core import limits
from jazzgen.core.errors import JazzgenError, os_reason

app = typer.Typer(
    name="jazzgen",
    help="Learn jazz improvisation from MIDI with an LSTM and write new solos as MIDI files.",
    cls=JazzgenGroup,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jazzgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    limit: Annotated[
        list[str] | None,
        typer.Option(
            "--limit",
            metavar="NAME=VALUE",
            help="Raise a limit for this run, e.g. --limit hours=6 (names: README, Limits).",
        ),
    ] = None,
) -> None:
    """jazzgen: learn jazz solos from MIDI, generate new ones over chord changes.

    \b
    Typical use:
      jazzgen inspect tune.mid
      jazzgen train my_midi_folder/ --out models/mine
      jazzgen generate --model models/mine --chords "Dm7 G7 | Cmaj7" --out solo.mid
    """
    limits.set_limits(limits.parse_limits(limit or []))


# `jazzgen --help` lists them sorted by name (JazzgenGroup).
for _name, _command in (
    ("inspect", inspect.inspect_command),
    ("preprocess", preprocess.preprocess_command),
    ("render", render.render_command),
    ("export", export.export_command),
    ("evaluate", evaluate.evaluate_command),
    ("train", train.train_command),
    ("generate", generate.generate_command),
    ("play", play.play_command),
):
    app.command(_name, cls=JazzgenCommand)(typer_command(_command))


def os_error_line(exc: OSError) -> str:
    """One line for a failure of the system: 'PATH: REASON' (or the reason alone)."""
    where = exc.filename if exc.filename is not None else None
    return f"{where}: {os_reason(exc)}" if where else os_reason(exc)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with `argv` (default sys.argv[1:]); return the exit code.

    The limits in force before the call are in force again after it (`--limit` is for one
    run).
    """
    with limits.use_limits(limits.current()):
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="jazzgen", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except NoArgsIsHelpError as exc:  # bare `jazzgen`: the help, and no error
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
        return 0
    except typer.Abort:
        typer.echo("Error: aborted", err=True)
        return 1
    except TyperException as exc:  # usage errors: unknown option, bad value...
        typer.echo(f"Error: {exc.format_message()}", err=True)
        return 1
    except JazzgenError as exc:
        typer.echo(f"Error: {_one_line(str(exc))}", err=True)
        return 1
    except OSError as exc:  # what the library did not turn into a JazzgenError itself
        typer.echo(f"Error: {os_error_line(exc)}", err=True)
        return 1
    except MemoryError:
        typer.echo("Error: out of memory (see the limits in README: jazzgen --limit)", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("Error: interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


def _one_line(message: str) -> str:
    """`message` on one line (a library message quoting a multi-line one is folded)."""
    return " ".join(part.strip() for part in message.strip().splitlines() if part.strip())


def main() -> None:
    """The `jazzgen` console script (and `python -m jazzgen`)."""
    sys.exit(run())
