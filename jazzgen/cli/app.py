"""The `jazzgen` Typer app: the root options, the commands, and the error handling.

Each command lives in a module of its own (jazzgen.cli.inspect, preprocess, train,
generate, render, evaluate, export, play) as `<name>_command(args)`, taking its options as
one dataclass (see jazzgen.cli.options); this module registers them (with the help classes
of jazzgen.cli.help). Every command's docstring is its
`--help` (with an example). Library errors (`JazzgenError`) and usage errors become one
line `Error: ...` on stderr and exit code 1, never a traceback. Heavy modules (TensorFlow,
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
from jazzgen.core.errors import JazzgenError

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
) -> None:
    """jazzgen: learn jazz solos from MIDI, generate new ones over chord changes.

    \b
    Typical use:
      jazzgen inspect tune.mid
      jazzgen train my_midi_folder/ --out models/mine
      jazzgen generate --model models/mine --chords "Dm7 G7 | Cmaj7" --out solo.mid
    """


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


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with `argv` (default sys.argv[1:]); return the exit code."""
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
        typer.echo(f"Error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("Error: interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """The `jazzgen` console script (and `python -m jazzgen`)."""
    sys.exit(run())
