"""Help and errors as users see them: metavars, argument names, the command list, bare
`jazzgen`, one wording per kind of error, plurals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_midi, note_track, scale_melody

from jazzgen.cli import app, run
from jazzgen.core.wording import plural

COMMANDS = sorted(c.name for c in app.registered_commands if c.name)


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run([*args, "--help"]) == 0
    return capsys.readouterr().out


def test_bare_jazzgen_shows_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Usage: jazzgen [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in captured.out
    assert captured.err == ""


def test_commands_are_sorted_and_not_cut(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    section = text.split("Commands:")[1]
    listed = re.findall(r"^  (\w+)\s", section, flags=re.MULTILINE)
    assert listed == COMMANDS
    assert "..." not in section
    assert "Show what jazzgen reads in a file: tracks, chosen melody, meter, chords and" in (
        " ".join(section.split())
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_metavars_not_types(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, command)
    options = text.split("Options:")[1] if "Options:" in text else ""
    usage = text.splitlines()[0]
    for bad in ("<str>", "<int>", "<float>", "<list", "{", "}"):
        assert bad not in usage, usage
        assert bad not in options, options
    # every option that takes a value shows a metavar in capitals or its choices
    for line in options.splitlines():
        match = re.match(r"^  (-\w, )?(--[\w-]+)( (\S+))?", line)
        if match and match.group(4) and match.group(4) != "/":
            assert re.fullmatch(r"[A-Z][A-Z0-9_.\-|]*|[a-z]+(\|[a-z]+)+|OUT\.\w+", match.group(4))


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("inspect", "Usage: jazzgen inspect [OPTIONS] FILE"),
        ("render", "Usage: jazzgen render [OPTIONS] FILE"),
        ("preprocess", "Usage: jazzgen preprocess [OPTIONS] INPUT..."),
        ("train", "Usage: jazzgen train [OPTIONS] INPUT..."),
        ("evaluate", "Usage: jazzgen evaluate [OPTIONS] INPUT..."),
        ("generate", "Usage: jazzgen generate [OPTIONS]"),
    ],
)
def test_argument_names_agree(command: str, usage: str, capsys: pytest.CaptureFixture) -> None:
    assert _help(capsys, command).splitlines()[0] == usage


def test_missing_argument_is_named_like_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inspect"]) == 1
    assert "Missing argument 'FILE'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "{tmp}/missing.mid"],
        ["render", "{tmp}/missing.mid", "--png", "{tmp}/x.png"],
        ["preprocess", "{tmp}/missing.mid", "--out", "{tmp}/c"],
        ["evaluate", "{tmp}/missing.mid", "--reference", "{tmp}/missing.mid"],
        ["generate", "--leadsheet", "{tmp}/missing.mid", "--out", "{tmp}/s.mid"],
    ],
)
def test_missing_file_has_one_wording(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([a.replace("{tmp}", str(tmp_path)) for a in args]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"Error: {tmp_path}/missing.mid: file not found", err


def test_missing_folder_says_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["preprocess", str(tmp_path / "nothing"), "--out", str(tmp_path / "c")]) == 1
    assert capsys.readouterr().err.strip() == f"Error: {tmp_path}/nothing: folder not found"


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--bars", "1", "--out", "{out}"],
        ["render", "{midi}", "--png", "{out}"],
    ],
)
def test_overwrite_has_one_wording(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    midi = tmp_path / "in.mid"
    midi.write_bytes(make_midi([note_track(scale_melody(2))]))
    out = tmp_path / ("x.mid" if args[0] == "generate" else "x.png")
    out.write_bytes(b"mine")
    argv = [a.replace("{out}", str(out)).replace("{midi}", str(midi)) for a in args]
    assert run(argv) == 1
    assert capsys.readouterr().err.strip() == f"Error: {out} exists: pass --force to overwrite it"
    assert out.read_bytes() == b"mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-bar", "0"], "--start-bar must be >= 1, got 0"),
        (["--start-bar", "3", "--end-bar", "2"], "--end-bar must be >= --start-bar (3), got 2"),
        (["--start-bar", "9"], "--start-bar must be in 1..2 (the file's bars), got 9"),
    ],
)
def test_errors_name_options_as_typed(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    midi = tmp_path / "in.mid"
    midi.write_bytes(make_midi([note_track(scale_melody(2))]))
    assert run(["inspect", str(midi), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "_bar" not in err


def test_plural() -> None:
    assert plural(1, "edit") == "1 edit"
    assert plural(0, "edit") == "0 edits"
    assert plural(2, "file") == "2 files"
    assert plural(1, "child", "children") == "1 child"
    assert plural(3, "child", "children") == "3 children"


def test_one_file_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mid").write_bytes(make_midi([note_track(scale_melody(2))]))
    args = ["preprocess", str(tmp_path / "in"), "--out", str(tmp_path / "c"), "--jobs", "1"]
    assert run(args) == 0
    assert capsys.readouterr().out.startswith("1 file ok, 0 skipped")
