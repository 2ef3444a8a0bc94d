"""Quality on the Weimar Jazz Database, players held out: ours vs the course preset.

Used by `scripts/quality_report.py --wjazzd DB --ours BUNDLE --course BUNDLE` (both bundles
trained on the same performer split, as scripts/train_default_model.py trains them):

1. the held-out solos are those of the bundles' split (whole performers never heard);
2. each real held-out solo is exported (`jazzgen export`), and each model generates one solo
   per seed s over that solo's own changes, meter, tempo and length (`--leadsheet DB --solo
   N --seed N x 1000 + s`: every solo its own random stream, as a user's runs have, so a
   draw made once per solo, such as the style, is not the same draw for all of them);
3. `jazzgen evaluate` compares each generated set with the real solos (OA per feature,
   rhythm/interval/articulation distributions, MINGUS chord/scale coherence, the classifier
   two-sample test) and scores the real solos under each model (NLL per token and per note);
4. 100 seeds per model over one held-out solo's changes (its first 8 bars): solos with no
   melody note, or fewer than a quarter of the real solos' notes per bar, are counted;
5. the same number of real solos by training players (a seeded draw) is compared with the
   held-out ones as a generated set is: what real players other than the held-out ones
   score (classifier accuracy, chord and scale shares, OA), the yardstick for the models;
6. a table against the goals and published figures (MINGUS, BebopNet) is printed, and
   everything is written to OUT/quality.json, with piano rolls (roll-*.png) and WAVs of the
   first held-out solo: the real one and each model's over the same changes.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train_default_model import bundle_split, jazzgen  # scripts/ is on sys.path

SILENT_SEEDS = 100
SILENT_BARS = 8
NEAR_EMPTY = 0.25  # a solo with fewer notes per bar than this share of the real ones
PUBLISHED = {  # nats per note of exact pitch and duration, held-out WJazzD
    "MINGUS (pitch perplexity 11.01, duration 4.14)": 3.82,
    "BebopNet retrained on WJazzD (summed perplexity 44.70)": 3.80,
}
GOALS = (
    "NLL/note < 3.5; NLL/token <= 0.8x course; classifier <= 0.75; in chord/scale within 3 points"
)


@dataclass(frozen=True)
class ModelRun:
    """One model's figures against the held-out real solos."""

    name: str
    evaluation: dict[str, Any]
    silent: int
    near_empty: int
    failed: int
    lines: dict[str, float]  # line_figures of the generated set


def split_melids(db: Path, bundle: Path) -> tuple[list[int], list[int]]:
    """The melids of the solos the bundle's split trained on and held out (its config's
    split settings)."""
    split, _vocab = bundle_split(db, bundle)

    def melids(segments: Any) -> list[int]:
        return sorted({int(s.source.rsplit("#", 1)[1]) for s in segments})

    return melids(split.train), melids(split.val)


def other_players(trained: list[int], count: int, db: Path, out: Path) -> dict[str, Any]:
    """`count` real solos of training players (seed 0) exported to OUT/other and compared
    with the held-out real solos (OUT/real) as a generated set is."""
    import numpy as np

    pick = sorted(int(m) for m in np.random.default_rng(0).choice(trained, count, replace=False))
    export_real(db, pick, out / "other")
    text = jazzgen("evaluate", str(out / "other"), "--reference", str(out / "real"), "--json",
                   capture=True)  # fmt: skip
    ev = json.loads(text)
    oas = [f["oa"] for f in ev["comparison"]["features"].values() if f["oa"] is not None]
    return {
        "solos": pick,
        "classifier": ev["classifier"]["generated_vs_reference"]["accuracy"],
        "in_chord": ev["generated"]["coherence"]["chord"],
        "in_scale": ev["generated"]["coherence"]["scale"],
        "oa_mean": sum(oas) / len(oas),
        "oa_min": min(oas),
        **line_figures(out / "other"),
    }


def line_figures(folder: Path) -> dict[str, float]:
    """Over the solos in `folder`: the correlation of notes per beat with the log of the
    tempo (players play ballads busier in beats), and notes held over a bar line (past it
    by more than a grid step) per bar."""
    import numpy as np

    from jazzgen.evaluation.report import load_leadsheets

    sheets, _skipped = load_leadsheets(sorted(folder.glob("*.mid")))
    density, qpm, held, bars = [], [], 0, 0
    for sheet in sheets:
        beats = sum(bar.length_beats for bar in sheet.bars)
        density.append(len(sheet.melody) / beats)
        qpm.append(sheet.qpm)
        lines = np.array([bar.start_beat for bar in sheet.bars[1:]])
        bars += len(sheet.bars)
        for note in sheet.melody:
            inside = (lines > note.start_beat + 1e-6) & (lines < note.end_beat - 1 / 12 + 1e-6)
            held += bool(inside.any())
    return {
        "tempo_density_correlation": float(np.corrcoef(np.log(qpm), density)[0, 1]),
        "held_over_per_bar": held / max(bars, 1),
    }


def export_real(db: Path, melids: list[int], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for melid in melids:
        jazzgen("export", str(db), "--solo", str(melid), "--out", str(folder / f"{melid}.mid"),
                "--force")  # fmt: skip


SEED_STRIDE = 1000  # solo N's seeds are N x 1000 + s (their own random streams)


def generate_set(bundle: Path, db: Path, melids: list[int], seeds: int, folder: Path) -> int:
    """One solo per held-out solo and seed over its changes; how many failed (errors)."""
    from jazzgen.core.errors import JazzgenError
    from jazzgen.generation.generate import GenerateOptions, generate, open_bundle

    loaded = open_bundle(bundle)
    folder.mkdir(parents=True, exist_ok=True)
    failed = 0
    for melid in melids:
        for seed in range(seeds):
            options = GenerateOptions(
                model=bundle, leadsheet=db, solo=melid, seed=melid * SEED_STRIDE + seed
            )
            try:
                result = generate(options, bundle=loaded)
            except JazzgenError as exc:
                print(f"  {bundle.name} solo {melid} seed {seed}: {exc}", flush=True)
                failed += 1
                continue
            (folder / f"{melid}_s{seed}.mid").write_bytes(result.midi)
    return failed


def count_silent(bundle: Path, db: Path, melid: int, real_density: float) -> tuple[int, int]:
    """(silent, near-empty) solos over SILENT_SEEDS seeds on `melid`'s first bars; a solo
    refused as silent by generate counts as silent."""
    from jazzgen.core.errors import JazzgenError
    from jazzgen.generation.generate import GenerateOptions, generate, open_bundle

    loaded = open_bundle(bundle)
    silent = near_empty = 0
    for seed in range(SILENT_SEEDS):
        options = GenerateOptions(
            model=bundle, leadsheet=db, solo=melid, bars=SILENT_BARS, seed=seed, backing="none"
        )
        try:
            notes = len(generate(options, bundle=loaded).notes)
        except JazzgenError:
            notes = 0
        silent += notes == 0
        near_empty += notes < NEAR_EMPTY * real_density * SILENT_BARS
    return silent, near_empty


def evaluate_set(generated: Path, real: Path, bundle: Path) -> dict[str, Any]:
    """`jazzgen evaluate` of one generated set against the real solos, which are scored
    under `bundle` over every instrument's range (the held-out solos are on several
    instruments; with one instrument's range, notes outside it would go unscored)."""
    from jazzgen.generation.generate import PROGRAM_RANGES

    low = min(r[0] for r in PROGRAM_RANGES.values())
    high = max(r[1] for r in PROGRAM_RANGES.values())
    text = jazzgen("evaluate", str(generated), "--reference", str(real), "--model", str(bundle),
                   "--range", f"{low}-{high}", "--json", capture=True)  # fmt: skip
    return json.loads(text)


def listen(out: Path, melid: int, names: list[str]) -> None:
    """Piano rolls and WAVs of the first held-out solo: the real one and each model's, over
    the same changes (a missing FluidSynth only skips the WAVs)."""
    for name in ["real", *names]:
        midi = out / name / (f"{melid}.mid" if name == "real" else f"{melid}_s0.mid")
        if not midi.is_file():
            continue
        jazzgen("render", str(midi), "--png", str(out / f"roll-{name}-{melid}.png"), "--force")
        try:
            jazzgen("render", str(midi), "--wav", str(out / f"{name}-{melid}.wav"), "--force")
        except subprocess.CalledProcessError:
            print(f"no WAV for {midi} (FluidSynth missing?)")


def figures(run: ModelRun, real_lines: dict[str, float]) -> dict[str, Any]:
    """The figures of the table for one model (None where evaluate could not say);
    `real_lines`: `line_figures` of the real solos."""
    ev = run.evaluation
    oas = [f["oa"] for f in ev["comparison"]["features"].values() if f["oa"] is not None]
    gen, ref = ev["generated"]["summary"], ev["reference"]["summary"]
    return {
        "nll_per_token": ev["model"]["nll_per_token"],
        "nll_per_note": ev["model"]["nll_per_note"],
        "nll_per_note_or_rest": ev["model"]["nll_per_event"],
        "unscored_notes": ev["model"]["notes"] - ev["model"]["scored_notes"],
        "oov_rate": ev["model"]["oov_rate"],
        "classifier": ev["classifier"]["generated_vs_reference"]["accuracy"],
        "in_chord": ev["generated"]["coherence"]["chord"],
        "in_scale": ev["generated"]["coherence"]["scale"],
        "oa_mean": sum(oas) / len(oas),
        "oa_min": min(oas),
        **{
            f"{k}_gen_vs_real": (gen[k]["mean"], ref[k]["mean"])
            for k in (
                "repeated_pitch_rate",
                "empty_beat_rate",
                "strong_beat_chord_tone_ratio",
                "off_grid_share",
                "notes_per_bar",
                "articulation",
            )
        },
        **{f"{k}_gen_vs_real": (v, real_lines[k]) for k, v in run.lines.items()},
        "silent": run.silent,
        "near_empty": run.near_empty,
        "failed": run.failed,
    }


def print_table(runs: list[ModelRun], real: dict[str, Any], real_lines: dict[str, float]) -> None:
    """Markdown table: ours and the course preset side by side, with the real solos."""
    rows = {run.name: figures(run, real_lines) for run in runs}
    names = [run.name for run in runs]
    print("| measure (held-out players) | " + " | ".join(names) + " | real solos |")
    print("| --- |" + " ---: |" * (len(names) + 1))
    for key in rows[names[0]]:
        cells = []
        for name in names:
            value = rows[name][key]
            cells.append(_cell(value[0] if isinstance(value, tuple) else value))
        last = rows[names[0]][key]
        real_cell = _cell(last[1]) if isinstance(last, tuple) else ""
        if key == "in_chord":
            real_cell = _cell(real["chord"])
        if key == "in_scale":
            real_cell = _cell(real["scale"])
        print(f"| {key} | " + " | ".join(cells) + f" | {real_cell} |")
    for name, nats in PUBLISHED.items():
        print(f"published: {name}: {nats} nats/note")
    print(f"goals: {GOALS}")


def _cell(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def report(db: Path, bundles: dict[str, Path], out: Path, seeds: int, limit: int) -> int:
    """The whole WJazzD report (see the module docstring); 0 when it ran."""
    trained, melids = split_melids(db, bundles["ours"])
    if limit:
        melids = melids[:limit]
    print(json.dumps({"measure": "held_out", "solos": melids}), flush=True)
    export_real(db, melids, out / "real")
    real_lines = line_figures(out / "real")
    runs = []
    real: dict[str, Any] = {}
    for name, bundle in bundles.items():
        failed = generate_set(bundle, db, melids, seeds, out / name)
        evaluation = evaluate_set(out / name, out / "real", bundle)
        real = evaluation["reference"]["coherence"]
        density = evaluation["reference"]["summary"]["notes_per_bar"]["mean"]
        silent, near_empty = count_silent(bundle, db, melids[0], density)
        lines = line_figures(out / name)
        runs.append(ModelRun(name, evaluation, silent, near_empty, failed, lines))
        print(json.dumps({"measure": name, **figures(runs[-1], real_lines)}), flush=True)
    print_table(runs, real, real_lines)
    other = other_players(trained, min(len(melids), len(trained)), db, out)
    print("other real players (" + f"{len(other['solos'])} training players' solos vs the "
          "held-out ones): " + ", ".join(f"{k} {_cell(v)}" for k, v in other.items()
                                         if k != "solos"))  # fmt: skip
    listen(out, melids[0], list(bundles))
    (out / "quality.json").write_text(
        json.dumps({"held_out": melids, "runs": {r.name: r.evaluation for r in runs},
                    "figures": {r.name: figures(r, real_lines) for r in runs},
                    "other_players": other},
                   indent=1)
    )  # fmt: skip
    print(f"written: {out / 'quality.json'}")
    return 0
