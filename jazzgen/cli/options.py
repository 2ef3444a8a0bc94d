"""Command-line options, declared once with `typing.Annotated`, and passed as one object.

Each command declares its parameters as a frozen dataclass (`InspectArgs`, `GenerateArgs`...)
whose fields are annotated with Typer options, and takes one instance of it:

    @dataclass(frozen=True)
    class RenderArgs:
        file: Annotated[str, typer.Argument(metavar="FILE", help="MIDI file to render.")]
        force: Annotated[bool, force_option("Overwrite existing output files.")] = False

    def render_command(args: RenderArgs) -> None: ...

`typer_command(render_command)` is what the app registers: a function whose keyword
parameters are the fields of `RenderArgs`, so Typer reads the options (and their help)
from the dataclass. Fields named like a library dataclass's fields go over by name:
`options_from(EncodeOptions, args)` builds the library's options and `shared_fields`
gives the overrides of a config (`override(model_config, **shared_fields(ModelConfig,
args))`), so no command copies its options one by one.

Options shared by several commands are below: `Annotated` aliases when the help is the
same everywhere, small factories (`force_option(help)`) when each command says in its
help what the option does there.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_type_hints

import typer

T = TypeVar("T")

# Options with the same meaning and help in every command that has them.
MelodyTrack = Annotated[
    str | None,
    typer.Option(
        "--melody-track",
        metavar="INDEX|NAME",
        help="Melody track index (from 0) or name (default: automatic).",
    ),
]
StartBar = Annotated[
    int | None,
    typer.Option("--start-bar", metavar="N", help="First bar used (counting from 1)."),
]
EndBar = Annotated[
    int | None, typer.Option("--end-bar", metavar="N", help="Last bar used (inclusive).")
]

# Which solos of a Weimar Jazz Database input (wjazzd.db) to use: each repeatable, any case;
# a value the database does not have is an error that lists the valid ones.
Performers = Annotated[
    list[str] | None,
    typer.Option("--performer", metavar="NAME", help="WJazzD: solos by this performer."),
]
Instruments = Annotated[
    list[str] | None,
    typer.Option("--instrument", metavar="CODE", help="WJazzD: instrument (ts, as, tp, tb...)."),
]
Styles = Annotated[
    list[str] | None,
    typer.Option("--style", metavar="STYLE", help="WJazzD: style (BEBOP, COOL, POSTBOP...)."),
]
RhythmFeels = Annotated[
    list[str] | None,
    typer.Option("--rhythmfeel", metavar="FEEL", help="WJazzD: rhythm feel (SWING, LATIN...)."),
]
Solos = Annotated[
    list[int] | None,
    typer.Option("--solo", metavar="MELID", help="WJazzD: the solo with this melid."),
]
OneSolo = Annotated[
    int,
    typer.Option(
        "--solo", metavar="MELID", help="The solo (its melid: see `jazzgen inspect wjazzd.db`)."
    ),
]


# Options whose help says what they do in each command. (Typer copies an option's
# declaration for every parameter that uses it, so one declaration can serve several.)
def force_option(help_text: str) -> Any:
    """`--force`: permission to overwrite or replace existing output."""
    return typer.Option("--force", help=help_text)


def json_option(help_text: str) -> Any:
    """`--json`: print one JSON object on stdout instead of text."""
    return typer.Option("--json", help=help_text)


def seed_option(help_text: str) -> Any:
    """`--seed`: the random seed."""
    return typer.Option("--seed", help=help_text)


def jobs_option(help_text: str, *short_names: str) -> Any:
    """`--jobs`: worker processes for encoding (None = all CPUs)."""
    return typer.Option("--jobs", *short_names, help=help_text)


def wav_option(help_text: str) -> Any:
    """`--wav OUT.wav`: audio rendered with FluidSynth."""
    return typer.Option("--wav", metavar="OUT.wav", help=help_text)


def png_option(help_text: str) -> Any:
    """`--png OUT.png`: a piano-roll picture."""
    return typer.Option("--png", metavar="OUT.png", help=help_text)


def musicxml_option(help_text: str) -> Any:
    """`--musicxml OUT.musicxml`: the solo as notation."""
    return typer.Option("--musicxml", metavar="OUT.musicxml", help=help_text)


MusicxmlParts = Annotated[
    str,
    typer.Option(
        "--musicxml-parts",
        metavar="melody|all",
        help="Notation of the melody alone, or with the comping and bass.",
    ),
]


def soundfont_option(help_text: str) -> Any:
    """`--soundfont SF2`: the General MIDI SoundFont for --wav."""
    return typer.Option("--soundfont", metavar="SF2", help=help_text)


def typer_command(command: Callable[[Any], None]) -> Callable[..., None]:
    """The function Typer registers for `command(args)`, where `args` is a dataclass.

    Its keyword parameters are the fields of that dataclass, with their `Annotated` types
    and defaults (so `--help` lists the fields in order); a call builds the dataclass from
    them and runs `command`. The docstring (the `--help` text) is `command`'s.
    """
    (parameter,) = inspect.signature(command).parameters.values()
    args_type = get_type_hints(command)[parameter.name]
    hints = get_type_hints(args_type, include_extras=True)
    parameters = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty
            if field.default is dataclasses.MISSING
            else field.default,
            annotation=hints[field.name],
        )
        for field in dataclasses.fields(args_type)
    ]

    @functools.wraps(command)
    def entry(**values: Any) -> None:
        command(args_type(**values))

    signature = inspect.Signature(parameters, return_annotation=None)
    entry.__signature__ = signature  # type: ignore[attr-defined]
    entry.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return entry


def shared_fields(target: type, args: object) -> dict[str, Any]:
    """The fields of dataclass instance `args` that dataclass `target` also has, by name."""
    names = {field.name for field in dataclasses.fields(target)}
    return {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(args)  # type: ignore[arg-type]
        if field.name in names
    }


def options_from(target: type[T], args: object, **converted: Any) -> T:
    """`target` built from the fields it shares with `args` (see `shared_fields`).

    `converted` gives the fields whose command-line form differs from the library's
    (`postprocess=not args.no_postprocess`); they take precedence over shared fields.
    """
    return target(**(shared_fields(target, args) | converted))
