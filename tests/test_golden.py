"""Same bytes: outputs of the bundled model and of the encoder, pinned by hashes.

The hashes were recorded before the package was reorganised into subpackages (issue 10),
so a refactoring that changes any output byte fails here. "preprocess" changed once on
purpose (issue 12: bars also keep their notes' pitches, articulation and velocities);
"preprocess:tokens", the corpus without those lists, is the hash recorded before. The
generate hashes depend on the bundled model: when `models/default` is retrained on
purpose, the test says so and the hashes are re-recorded with
`python tests/test_golden.py` (which prints the new table). Re-recorded when the bundled
model was retrained on the Weimar Jazz Database (issues 11 and 12), and again with the
pitch input.
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

# `_model_hash()` of models/default when the hashes below were recorded
RECORDED_FOR_MODEL = "cabfbf898cd63c1feadf059cf7a958f358209dfb140e8163cb3cb380b69fcbc9"
GOLDEN = {
    "generate:candidates": "a0cd4b70220389d5acbbb18e2b68bbf58ad572bf34379023914e5be79641959b",
    "generate:demo": "74c78c514c0ce60d173c2c965e75de1b38e5caca5df20104ac1a7883df68a31a",
    "generate:drawn": "57b12ea4ac3edd7caab538246e7804a77e05fc6e4b2ad753dca989937b8b4f05",
    "generate:leadsheet": "198cef76e92d34f041933338b920bddcf325684fd73fec1a5f2ea2ee82a40a43",
    "generate:melody_only": "74d4c371fad5f498e9b3b0329576c2bfb4b2bd8996a8caef43fe53b79c2c196f",
    "generate:primer": "1263aa72cf025a044c1d77991c3061695597d4c961add577dcf78196423fdcf1",
    "preprocess": "f6fd696e014847de453f75e537bcbdf8d2a76d690544f34678f2471601ca5e5d",
    "preprocess:tokens": "e98bafccc42393f0d012a90f2a721556b2701afed9b5dec286c4e4470da52506",
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


def _model_hash() -> str:
    """sha256 of the bundled model's vocabulary and weights (what generate's bytes hang on)."""
    digest = hashlib.sha256()
    for name in ("vocab.json", "weights.npz", "realizer.json", "performance.json"):
        digest.update((BUNDLE / name).read_bytes())
    return digest.hexdigest()


def _generate_hash(args: list[str], tmp: Path) -> str:
    from jazzgen.cli import run

    out = tmp / "g.mid"
    code = run(["generate", *args, "--out", str(out), "--force"])
    assert code == 0
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _corpus_hash(tmp: Path, *, tokens_only: bool = False) -> str:
    from jazzgen.cli import run

    out = tmp / "corpus"
    assert run(["preprocess", str(DATA / "midi"), "--out", str(out), "--jobs", "1"]) == 0
    text = (out / "corpus.jsonl").read_text(encoding="utf-8")
    if tokens_only:
        text = "".join(_without_performance(line) + "\n" for line in text.splitlines())
    return _path_free_hash(text)


def _without_performance(line: str) -> str:
    """A corpus.jsonl line without the bars' per-note pitches, articulation and velocities."""
    data = json.loads(line)
    for bar in data["bars"]:
        for name in ("pitches", "articulation", "velocities"):
            bar.pop(name, None)
    return json.dumps(data, separators=(",", ":"))


def _inspect_hash(capsys: pytest.CaptureFixture[str] | None) -> str:
    from jazzgen.cli import run

    assert run(["inspect", str(DATA / "midi" / "bossa_f_01.mid"), "--json"]) == 0
    text = capsys.readouterr().out if capsys is not None else ""
    return _path_free_hash(text)


def _path_free_hash(text: str) -> str:
    """sha256 of `text` with this checkout's location replaced (clones live anywhere)."""
    return hashlib.sha256(text.replace(str(ROOT), "ROOT").encode()).hexdigest()


def _skip_if_retrained() -> None:
    if _model_hash() != RECORDED_FOR_MODEL:
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


def test_corpus_tokens_are_unchanged(tmp_path: Path) -> None:
    assert _corpus_hash(tmp_path, tokens_only=True) == GOLDEN["preprocess:tokens"]


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
        table["preprocess:tokens"] = _corpus_hash(Path(d) / "t", tokens_only=True)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            from jazzgen.cli import run

            run(["inspect", str(DATA / "midi" / "bossa_f_01.mid"), "--json"])
        table["inspect"] = _path_free_hash(buffer.getvalue())
    print(f'RECORDED_FOR_MODEL = "{_model_hash()}"')
    print("GOLDEN = " + json.dumps(table, indent=4))
