"""Same bytes: outputs of the bundled model and of the encoder, pinned by hashes.

The hashes were recorded before the package was reorganised into subpackages (issue 10),
so a refactoring that changes any output byte fails here. They depend on the bundled model:
when `models/default` is retrained on purpose, the test says so and the hashes are
re-recorded with `python tests/test_golden.py` (which prints the new table).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "models" / "default"
DATA = ROOT / "data"

# vocab hash of models/default when the hashes below were recorded
RECORDED_FOR_VOCAB = "f54989aad19f64a88198bb10e892f8c9314bfb4c231da8fc1220bd068d3039fd"
GOLDEN = {
    "generate:candidates": "858c4fc6d2abd0eed6a6f88e07547a21ab953039b7606413832e96bb0442fee8",
    "generate:demo": "2732016f4cb66e189bfa304fd213d69e945de00c55c5246119a14766351b49cb",
    "generate:drawn": "521b108dd2c7e2a8eb048bef90992879c5cd9e2e1b092e4019220cd29fd51dda",
    "generate:leadsheet": "122c09c994df11192e0d3d579fbbcb728829dd0b499055fc5cbe618181f8f6c3",
    "generate:melody_only": "c528c1bb2fe20c60f9ff07551b11d572a00e4312a0b83c10646e0f927422d5d2",
    "generate:primer": "80b3bbee582e3323df814f5d3147fa372e05ad506ea38fc56c3ccee72a49b8f4",
    "preprocess": "e98bafccc42393f0d012a90f2a721556b2701afed9b5dec286c4e4470da52506",
    "inspect": "20cc68c059d7f7b0f4d15e7044891fbe538606ec850345effcd9d43391051470",
}

CASES: dict[str, list[str]] = {
    "drawn": ["--seed", "1", "--bars", "8"],
    "demo": [
        "--chords",
        "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7 D7 | Gm7 | C7 | F7 D7 | Gm7 C7",
        "--bars", "24", "--tempo", "140", "--seed", "1",
    ],
    "candidates": [
        "--chords", "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7", "--bars", "16", "--candidates", "4",
        "--seed", "7", "--temperature", "0.9", "--top-p", "0.95", "--swing", "0.6",
    ],
    "leadsheet": ["--leadsheet", str(DATA / "waltz_bb_01.abc"), "--seed", "2", "--bars", "8"],
    "primer": [
        "--primer", str(DATA / "midi" / "blues_f_01.mid"), "--bars", "4", "--seed", "5",
        "--backing", "chords", "--count-in", "0",
    ],
    "melody_only": ["--seed", "9", "--bars", "4", "--backing", "none", "--no-postprocess"],
}  # fmt: skip


def _vocab_hash() -> str:
    return json.loads((BUNDLE / "vocab.json").read_text())["hash"]


def _generate_hash(args: list[str], tmp: Path) -> str:
    from jazzgen.cli import run

    out = tmp / "g.mid"
    code = run(["generate", *args, "--out", str(out), "--force"])
    assert code == 0
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _corpus_hash(tmp: Path) -> str:
    from jazzgen.cli import run

    out = tmp / "corpus"
    assert run(["preprocess", str(DATA / "midi"), "--out", str(out), "--jobs", "1"]) == 0
    return _path_free_hash((out / "corpus.jsonl").read_text(encoding="utf-8"))


def _inspect_hash(capsys: pytest.CaptureFixture[str] | None) -> str:
    from jazzgen.cli import run

    assert run(["inspect", str(DATA / "midi" / "bossa_f_01.mid"), "--json"]) == 0
    text = capsys.readouterr().out if capsys is not None else ""
    return _path_free_hash(text)


def _path_free_hash(text: str) -> str:
    """sha256 of `text` with this checkout's location replaced (clones live anywhere)."""
    return hashlib.sha256(text.replace(str(ROOT), "ROOT").encode()).hexdigest()


def _skip_if_retrained() -> None:
    if _vocab_hash() != RECORDED_FOR_VOCAB:
        pytest.fail(
            "models/default changed since the golden hashes were recorded: run "
            "`python tests/test_golden.py` and paste its table into tests/test_golden.py"
        )


@pytest.mark.parametrize("case", sorted(CASES))
def test_generate_bytes_are_unchanged(case: str, tmp_path: Path) -> None:
    _skip_if_retrained()
    assert _generate_hash(CASES[case], tmp_path) == GOLDEN[f"generate:{case}"]


def test_corpus_bytes_are_unchanged(tmp_path: Path) -> None:
    assert _corpus_hash(tmp_path) == GOLDEN["preprocess"]


def test_inspect_json_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert _inspect_hash(capsys) == GOLDEN["inspect"]


if __name__ == "__main__":  # print a fresh table
    import contextlib
    import io
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as d:
        table = {f"generate:{c}": _generate_hash(CASES[c], Path(d)) for c in sorted(CASES)}
        table["preprocess"] = _corpus_hash(Path(d))
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            from jazzgen.cli import run

            run(["inspect", str(DATA / "midi" / "bossa_f_01.mid"), "--json"])
        table["inspect"] = _path_free_hash(buffer.getvalue())
    print(f'RECORDED_FOR_VOCAB = "{_vocab_hash()}"')
    print("GOLDEN = " + json.dumps(table, indent=4))
