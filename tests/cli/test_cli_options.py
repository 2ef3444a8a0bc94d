"""The CLI's options object: commands take one dataclass, the library's options are built
from its fields by name, and every option reaches the library (or is about the command)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from typing import Annotated

import pytest
import typer

from jazzgen.cli import app, run
from jazzgen.cli.common import track_index_or_name
from jazzgen.cli.evaluate import EvaluateArgs
from jazzgen.cli.generate import GenerateArgs, generate_options
from jazzgen.cli.inspect import InspectArgs
from jazzgen.cli.options import options_from, shared_fields, typer_command
from jazzgen.cli.preprocess import PreprocessArgs
from jazzgen.cli.render import RenderArgs
from jazzgen.cli.train import TrainArgs, train_configs
from jazzgen.corpus.preprocess import EncodeOptions
from jazzgen.generation.generate import GenerateOptions
from jazzgen.io.wjazzd import SoloFilter
from jazzgen.training.config import ModelConfig, TrainConfig, preset

COMMANDS = ["inspect", "preprocess", "render", "export", "evaluate", "train", "generate", "play"]


@dataclass(frozen=True)
class _Library:
    size: int = 1
    name: str = "x"
    flag: bool = False


@dataclass(frozen=True)
class _Args:
    path: Annotated[str, typer.Argument(help="A path.")]
    size: Annotated[int, typer.Option("--size", help="Size.")] = 3
    no_flag: Annotated[bool, typer.Option("--no-flag", help="No flag.")] = False
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Talk.")] = False


def _command(args: _Args) -> None:
    """Do it.

    Example: do it
    """
    _command.calls.append(args)  # type: ignore[attr-defined]


def _names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def test_shared_fields_are_picked_by_name() -> None:
    assert shared_fields(_Library, _Args("p", size=5, verbose=True)) == {"size": 5}


def test_options_from_fills_shared_fields_and_converted_ones_win() -> None:
    args = _Args("p", size=5, no_flag=True)
    assert options_from(_Library, args) == _Library(size=5)
    assert options_from(_Library, args, flag=not args.no_flag, size=7) == _Library(7, "x", False)
    with pytest.raises(TypeError):
        options_from(_Library, args, colour="red")  # not a field of the library's options


def test_typer_command_has_the_fields_as_keyword_parameters() -> None:
    entry = typer_command(_command)
    parameters = inspect.signature(entry).parameters
    assert list(parameters) == ["path", "size", "no_flag", "verbose"]
    assert parameters["path"].default is inspect.Parameter.empty  # required
    assert parameters["size"].default == 3
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert entry.__doc__ == _command.__doc__


def test_typer_command_passes_one_args_object(capsys: pytest.CaptureFixture) -> None:
    _command.calls = []  # type: ignore[attr-defined]
    demo = typer.Typer(rich_markup_mode=None)
    demo.command("do")(typer_command(_command))
    demo.command("other")(lambda: None)  # two commands, so `do` is a subcommand
    command = typer.main.get_command(demo)
    command.main(["do", "here", "--size", "4", "-v"], standalone_mode=False)
    assert _command.calls == [_Args("here", size=4, verbose=True)]  # type: ignore[attr-defined]
    command.main(["do", "--help"], standalone_mode=False)
    out = capsys.readouterr().out
    assert "Do it." in out and "--size" in out and "-v, --verbose" in out


def test_generate_args_reach_every_generate_option() -> None:
    """Non-default values everywhere: each GenerateOptions field must come out changed."""
    args = GenerateArgs(
        model="m", chords="Dm7 G7", chords_file=None, tune="2", leadsheet=None, bars=8,
        primer="p.mid", tempo=90.0,
        temperature=0.5, top_k=3, top_p=0.9, candidates=4, seed=7, engine="keras",
        max_repeats=3, max_leap=9, no_postprocess=True, pitch_range="50-80", swing=0.6,
        melody_program=65, chords_program=4, backing="trio", count_in_bars=2, legato=True,
        uniform_realizer=True, density="dense", outside="inside", uncalibrated=True,
    )  # fmt: skip
    options = generate_options(args)
    default = GenerateOptions()
    unchanged = [f.name for f in fields(GenerateOptions)
                 if getattr(options, f.name) == getattr(default, f.name)]  # fmt: skip
    # exclusive with --chords (--solo goes with --leadsheet); trio is the default
    assert unchanged == ["chords_file", "leadsheet", "solo", "backing"]
    assert options.postprocess is False and options.pitch_range == (50, 80)
    assert options.count_in_bars == 2 and options.model == "m" and options.seed == 7
    # the command draws a seed when none is given, before it builds the options
    assert generate_options(GenerateArgs(seed=0)) == GenerateOptions(model=None)


def test_generate_args_are_generate_options_or_about_output_files() -> None:
    converted = {"no_postprocess"}  # pitch_range is converted but keeps its name
    output = {"out", "wav", "png", "musicxml", "musicxml_parts", "soundfont", "force", "as_json"}
    assert _names(GenerateArgs) - converted - output == _names(GenerateOptions) - {"postprocess"}


def test_train_args_are_config_overrides_or_about_the_run() -> None:
    encode = {"melody_track", "start_bar", "end_bar"}
    run_only = {"inputs", "out", "preset", "resume", "tensorboard", "quiet", "force", "jobs"}
    solos = _names(SoloFilter)  # --performer, --instrument, ... of a WJazzD input
    overrides = _names(TrainArgs) - encode - run_only - solos
    assert overrides <= _names(ModelConfig) | _names(TrainConfig)
    assert encode <= _names(EncodeOptions)
    assert solos <= _names(TrainArgs)


@pytest.mark.parametrize("args_type", [InspectArgs, PreprocessArgs, TrainArgs])
def test_wjazzd_filters_reach_the_solo_filter(args_type: type) -> None:
    first = "wjazzd.db" if args_type is InspectArgs else ["wjazzd.db"]
    extra = {} if args_type is InspectArgs else {"out": "o"}
    args = args_type(first, performer=["Art Pepper"], style=["COOL"], solo=[3], **extra)
    assert options_from(SoloFilter, args) == SoloFilter(
        performer=("Art Pepper",), style=("COOL",), solo=(3,)
    )


def test_train_configs_override_only_given_options() -> None:
    base = preset("course")
    args = TrainArgs(["x.mid"], out="b", tx=8, chord_input=True, lr=0.5, seed=3)
    model, train = train_configs(base, args)
    assert (model.tx, model.chord_input, model.units) == (8, True, base[0].units)
    assert (train.lr, train.seed, train.epochs) == (0.5, 3, base[1].epochs)
    assert train_configs(base, TrainArgs(["x.mid"], out="b")) == base


def test_no_context_input_drops_the_tempo_unless_it_is_asked_for() -> None:
    from jazzgen.core.errors import ConfigError

    base = preset("default")
    assert base[0].tempo_input and base[0].context_width == 76
    model, _ = train_configs(base, TrainArgs(["x.mid"], out="b", context_input=False))
    assert (model.context_input, model.tempo_input, model.context_width) == (False, False, 0)
    model, _ = train_configs(base, TrainArgs(["x.mid"], out="b", tempo_input=False))
    assert (model.context_input, model.context_width) == (True, 69)
    asked = TrainArgs(["x.mid"], out="b", context_input=False, tempo_input=True)
    with pytest.raises(ConfigError, match="--tempo-input is part of the context input"):
        train_configs(base, asked)


def test_the_style_input_follows_the_tempo() -> None:
    from jazzgen.core.errors import ConfigError

    base = preset("default")
    styled, _ = train_configs(base, TrainArgs(["x.mid"], out="b", style_input=True))
    assert (styled.tempo_input, styled.style_input, styled.context_width) == (True, True, 80)
    for dropped in ({"tempo_input": False}, {"context_input": False}):
        model, _ = train_configs(base, TrainArgs(["x.mid"], out="b", **dropped))  # type: ignore[arg-type]
        assert not model.style_input, dropped
    asked = TrainArgs(["x.mid"], out="b", tempo_input=False, style_input=True)
    with pytest.raises(ConfigError, match="--style-input follows the tempo"):
        train_configs(base, asked)


@pytest.mark.parametrize(
    "args",
    [
        InspectArgs("t.mid", melody_track="Guitar", start_bar=2, end_bar=3),
        PreprocessArgs(["t.mid"], out="c", melody_track="1", start_bar=2, end_bar=3),
        TrainArgs(["t.mid"], out="b", melody_track="1", start_bar=2, end_bar=3),
    ],
)
def test_encode_options_come_from_the_melody_and_bar_options(args: object) -> None:
    options = options_from(EncodeOptions, args)
    assert (options.start_bar, options.end_bar) == (2, 3)
    assert options.melody_track == args.melody_track  # type: ignore[attr-defined]
    assert options.min_rest_steps == EncodeOptions().min_rest_steps


def test_render_and_evaluate_args() -> None:
    assert RenderArgs("s.mid").force is False
    assert EvaluateArgs(["g.mid"], ["r.mid"]).melody_track is None
    assert [track_index_or_name(t) for t in ("3", "Sax", None)] == [3, "Sax", None]


def test_app_registers_the_commands_in_order() -> None:
    group = typer.main.get_command(app)
    assert list(group.commands) == COMMANDS  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_has_an_example(name: str, capsys: pytest.CaptureFixture) -> None:
    assert run([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: jazzgen {name} ") and "Example:" in out


def test_keras_progress_bar_only_on_a_terminal() -> None:
    from jazzgen.cli.train import keras_verbosity

    assert keras_verbosity(quiet=False, terminal=True) == "auto"
    assert keras_verbosity(quiet=False, terminal=False) == 2  # one plain line per epoch
    assert keras_verbosity(quiet=True, terminal=True) == 0
