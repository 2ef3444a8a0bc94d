"""Same bytes: outputs of the bundled model and of the encoder, pinned by hashes.

The hashes were recorded before the package was reorganised into subpackages (issue 10),
so a refactoring that changes any output byte fails here. "preprocess" changed once on
purpose (issue 12: bars also keep their notes' pitches, articulation and velocities);
"preprocess:tokens", the corpus without those lists, is the hash recorded before. The
generate hashes depend on the bundled model: when `models/default` is retrained on
purpose, the test says so and the hashes are re-recorded with
`python tests/test_golden.py` (which prints the new table). Re-recorded when the bundled
model was retrained on the Weimar Jazz Database (issues 11 and 12), and again with the
pitch input, and when its decoding calibration was fitted.
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
RECORDED_FOR_MODEL = "e56a723d103a1a6bbc3e83e6f239a095c59cc3d1a014c220e3d535c81141598c"
GOLDEN = {
    "generate:candidates": "1a3a050e1688107bf26abb203e1f0fa1b76447acd4e1fc1f66b68f60c2a3a116",
    "generate:demo": "3dceb407d150822adff9f7f3cf65e38177e96bc7c6a2de9847f465657ff17f41",
    "generate:drawn": "91603526c3a6fa2599428a5a08a9fcb3f1a1a17ed6e5d40d4fb6fe3f07caf08a",
    "generate:leadsheet": "0a9db6184288944c88e3e83effb597113eea0ca0fe683e3bd91e7e5401f709bc",
    "generate:melody_only": "3d443c1eb978bcf3250c1f1f0f979c1819f5421c391e8c4468fce518ba8a8828",
    "generate:primer": "9f06d712ed5da351a946a5d9314e6213a853082819134c86857cda56d6f80098",
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
    calibration = BUNDLE / "calibration.json"  # its bias (not its stats), since fitted
    if calibration.is_file():
        digest.update(json.dumps(json.loads(calibration.read_text())["bias"]).encode())
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
