"""Measure chord re-extraction (not a test): how many chord spans `extract_leadsheet` gets back.

    python scripts/bench_chords.py [--model BUNDLE] [--seeds 4]

1. Generated files: for each progression below, `--backing trio` and `--backing chords`,
   and seeds 0..N-1, generate a solo (tiny untrained bundle from tests/tiny_bundle.py
   unless --model is given), read the MIDI back and compare the extracted chords with the
   chords it was generated over. A chord span counts as recovered when every extracted span
   overlapping it has exactly its chord (root and quality).
2. The corpus: data/midi/*.mid (block-chord comping) against the chord symbols of the
   matching data/*.abc, the same way.
Prints the share recovered per backing and for the corpus, the most common confusions, and
the extraction time per file.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROGRESSIONS = (
    "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Am7b5 D7 | Gm7 | C7 | Fmaj7",
    "Cmaj7 Am7 | Dm7 G7 | Em7 A7 | Dm7 G7 | Fmaj7 | Fm7 Bb7 | Cmaj7 | Cmaj7",
    "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7b5 D7 | Gm7 | C7 | F7 D7 | Gm7 C7",
    "Cm6 | Cm6 | Fm7 | Fm7 | Dm7b5 | G7 | Cm6 | G7",
)


def recovered(expected_bars, found_bars) -> tuple[int, int, list[tuple[str, str]]]:
    """(recovered spans, spans, [(expected, found) misses]) of two bar lists."""
    found = [s for bar in found_bars for s in bar.chords]
    hits, total, misses = 0, 0, []
    for bar in expected_bars:
        for span in bar.chords:
            total += 1
            over = [
                f
                for f in found
                if f.end_beat > span.start_beat + 1e-6 and f.start_beat < span.end_beat - 1e-6
            ]
            if over and all(f.chord == span.chord for f in over):
                hits += 1
            else:
                misses.append((span.chord.symbol, " ".join(f.chord.symbol for f in over)))
    return hits, total, misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="bundle dir (default: a tiny untrained one)")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from jazzgen.analysis.leadsheet import extract_leadsheet
    from jazzgen.generation.generate import GenerateOptions, generate
    from jazzgen.io.midi_reader import parse_midi_bytes
    from jazzgen.io.scores import read_score

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from tiny_bundle import make_bundle

            model = make_bundle(Path(tmp) / "bundle")
        from jazzgen.training.bundle import load_bundle

        bundle = load_bundle(model)
        for backing in ("trio", "chords"):
            hits = total = 0
            confusions: collections.Counter[tuple[str, str]] = collections.Counter()
            seconds = 0.0
            files = 0
            for progression in PROGRESSIONS:
                for seed in range(args.seeds):
                    options = GenerateOptions(
                        model=model, chords=progression, seed=seed, backing=backing
                    )
                    result = generate(options, bundle=bundle)
                    t0 = time.perf_counter()
                    sheet = extract_leadsheet(parse_midi_bytes(result.midi, "gen.mid"))
                    seconds += time.perf_counter() - t0
                    files += 1
                    h, t, misses = recovered(result.bars, sheet.bars)
                    hits, total = hits + h, total + t
                    confusions.update(misses)
            print(
                f"generated, backing {backing:6s}: {hits}/{total} spans = {100 * hits / total:.1f}%"
                f"  ({1000 * seconds / files:.1f} ms per extraction)"
            )
            for (want, got), n in confusions.most_common(6):
                print(f"    {want:8s} read as {got:18s} x{n}")

    hits = total = 0
    confusions = collections.Counter()
    for midi in sorted((ROOT / "data" / "midi").glob("*.mid")):
        abc = ROOT / "data" / f"{midi.stem}.abc"
        if not abc.is_file():
            continue
        h, t, misses = recovered(
            extract_leadsheet(read_score(abc)).bars, extract_leadsheet(read_score(midi)).bars
        )
        hits, total = hits + h, total + t
        confusions.update(misses)
    if total:
        print(f"corpus data/midi vs ABC: {hits}/{total} spans = {100 * hits / total:.1f}%")
        for (want, got), n in confusions.most_common(6):
            print(f"    {want:8s} read as {got:18s} x{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
