"""How `--help` and usage lines look: real metavars, plain argument names, every command.

Typer's plain (non-rich) help shows the Python type of a value (`--top-k <int>`,
`file <str>`) and braces around required arguments (`{file}`). The classes here format
them as command-line tools usually do:

- an argument is its metavar (`FILE`, `INPUT...`; `[FILE]` when optional), never a type;
- an option shows its metavar (`--out FILE`, `--bars N`); one declared without a metavar
  gets one from its type (`METAVARS`: N for integers, X for numbers, TEXT for text);
- `jazzgen --help` lists the commands sorted by name, each with the first sentence of
  its help, never cut short with "...".

`JazzgenGroup` is the app's class (`typer.Typer(cls=...)`) and `JazzgenCommand` every
command's (`app.command(name, cls=...)`).
"""

from __future__ import annotations

from typing import Any

from typer._click.formatting import join_options
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

METAVARS = {int: "N", float: "X", str: "TEXT"}
"""The metavar of an option declared without one, by its value type."""


def _value_type(param: TyperArgument | TyperOption) -> Any:
    """The Python type of an option's value (`int | None` -> int)."""
    annotation = param.type_descriptor.annotation
    return getattr(annotation, "__origin__", None) or annotation


def option_metavar(option: TyperOption) -> str:
    """What `--help` shows after an option that takes a value: its metavar, else one from
    its type (`METAVARS`), else its name in capitals."""
    if option.metavar is not None:
        return option.metavar
    return METAVARS.get(_value_type(option), (option.name or "value").upper())


def argument_name(argument: TyperArgument) -> str:
    """An argument as help names it: its metavar (else its name in capitals), with '...'
    when it takes several values."""
    name = argument.metavar or (argument.name or "arg").upper()
    return f"{name}..." if argument.nargs != 1 and not name.endswith("...") else name


def _help_record(param: Any, ctx: Any) -> tuple[str, str] | None:
    """(left column, help) of one parameter, Typer's record with our names in the left."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    _, help_text = record
    if isinstance(param, TyperArgument):
        return argument_name(param), help_text
    names = join_options(param.opts)[0]
    if param.secondary_opts:
        names += " / " + join_options(param.secondary_opts)[0]
    if not param.is_flag and not param.count:
        names += f" {option_metavar(param)}"
    return names, help_text


class JazzgenCommand(TyperCommand):
    """A command whose usage line and `--help` use metavars (see module doc)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = _help_record(param, ctx)
            if record is not None:
                (arguments if isinstance(param, TyperArgument) else options).append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class JazzgenGroup(TyperGroup):
    """The app: commands sorted by name, each with its whole first sentence."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(self.commands)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        options = [r for p in self.get_params(ctx) if (r := _help_record(p, ctx)) is not None]
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
