"""All of jazzgen's speed figures in one run, side by side (not a test).

Prints one JSON line per measurement ({"measure": ..., ...}) and a final summary line:

1. course reproduction end to end: `scripts/reproduce_course.py` (fused LSTM) and the same
   with `--arch course` (the course's unrolled shared cell), each in a fresh process, wall
   time measured from outside (interpreter start and imports included), and the ratio
   against the course script's published 74 s on this machine.
2. training wall time and final loss, fused vs `--arch course`, on original_metheny.mid
   bars 120-137 with the course preset (scripts/bench_train.py's functions, in this
   process; graph building included).
3. fresh-process `jazzgen generate --bars 32` with `--engine numpy` and `--engine keras`, vs
   bare `python -c "import tensorflow"`: min and median of a few runs. Bundle: models/default
   if present, else the bundle trained by measurement 1 (course preset), else an untrained
   default-sized one (scripts/bench_generate.py).
4. preprocessing throughput: `build_corpus` (jobs=2, no cache) and `encode_file` in one
   process over a varied synthetic set (scripts/bench_preprocess.py's generator) plus
   data/midi; files/s and files/s per core. Measured first, before this process imports
   TensorFlow, so build_corpus forks its workers as `jazzgen preprocess` does (with
   TensorFlow loaded it starts them with forkserver, which costs each worker ~1 s of imports).
5. peak RSS of training on a large corpus: data/midi encoded once, then the pieces copied
   with their chords transposed into all 12 keys and repeated until there are >= 1,000
   Piece objects (tokens are left as they are: the grammar is relative to the chord, so
   transposing is a chord-only change); default preset, one epoch capped at a number of
   steps, in a subprocess that reports its own VmHWM (peak resident set). Goal < 2 GB.
6. the Weimar Jazz Database (`scripts/bench_wjazzd.py`, when ../shared/data/wjazzd/wjazzd.db
   is present): `jazzgen preprocess` of the whole database (goal <= 5 s), training tokens
   per second per epoch, and the input pipeline against a bare `model.fit` on arrays (goal
   <= 10% overhead). `--quick`: 2 preprocessing runs instead of 3, 100 batches per epoch
   instead of 300.

`--quick` (goal: under 2 minutes) reduces: measurement 2 is read from measurement 1's
train stage (same data, preset and seed, and that run has no validation split either, so
the same training) instead of training twice more; 2 repeats instead of 5 in measurement 3;
40 synthetic files instead of 200 in measurement 4; 20 capped steps instead of 200 and
2% of the pieces held out for validation instead of 10% in measurement 5. The JSON lines
say `"reduced": true` where a figure is reduced.

Without ../shared/data/original_metheny.mid, measurements 1 and 2 are skipped (a JSON line
says so). Wall times depend on what else runs on the machine: each line carries the 1-minute
load average, and the first line lists the other busy processes.

    .venv/bin/python scripts/bench.py --quick
    .venv/bin/python scripts/bench.py            # about 2-3 minutes on an idle machine
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))  # the sibling bench_* scripts are imported as modules
METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"
DATA_MIDI = ROOT / "data" / "midi"
COURSE_SECONDS = 74.0  # the course's whole script on this machine, fastest run (DESIGN.md)
RSS_GOAL_BYTES = 2 * 1024**3
PY = sys.executable


def emit(measure: str, **fields: Any) -> dict[str, Any]:
    """Print one JSON line (floats rounded, load average added) and return its fields."""

    def clean(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 4)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        return v

    line = {"measure": measure, **{k: clean(v) for k, v in fields.items()}}
    line["load1"] = round(os.getloadavg()[0], 2)
    print(json.dumps(line), flush=True)
    return line


def busy_processes(seconds: float = 1.0, limit: int = 5) -> list[str]:
    """Other processes that used > 5% of a core over the next `seconds` (from /proc), for the
    record: wall times depend on them."""

    def cpu_ticks() -> dict[int, int]:
        ticks = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    before = cpu_ticks()
    time.sleep(seconds)
    after = cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    rows = []
    for pid, ticks in after.items():
        share = (ticks - before.get(pid, ticks)) / hz / seconds
        if pid == os.getpid() or share < 0.05:
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        rows.append((share, f"pid {pid} {share * 100:.0f}% of a core: {cmd.strip()[:80]}"))
    return [text for _, text in sorted(rows, reverse=True)[:limit]]


def json_lines(text: str) -> dict[str, dict[str, Any]]:
    """{stage: fields} of the JSON lines a script printed."""
    stages = {}
    for line in text.splitlines():
        if line.startswith("{"):
            data = json.loads(line)
            stages[data.get("stage", "?")] = data
    return stages


# --- 1. course reproduction --------------------------------------------------------------------


def course_reproduction(arch: str, out: Path) -> dict[str, Any] | None:
    start = time.perf_counter()
    done = subprocess.run(
        [PY, str(SCRIPTS / "reproduce_course.py"), "--arch", arch, "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        emit("course_reproduction", arch=arch, error=done.stderr.strip().splitlines()[-1:])
        return None
    stages = json_lines(done.stdout)
    train = stages["train"]
    return emit(
        "course_reproduction",
        arch=arch,
        wall_seconds=wall,
        ratio_vs_course_74s=COURSE_SECONDS / wall,
        stages=stages["total"],
        train_seconds=train["seconds"],
        epochs=train["epochs"],
        final_loss=train["final_loss"],
        bundle=str(out / "model"),
    )


# --- 2. training, fused vs course arch ---------------------------------------------------------


def training_comparison(seed: int) -> dict[str, dict[str, Any]]:
    import bench_train

    from jazzgen.training.config import override, preset

    pieces, what = bench_train.load_pieces(METHENY, 120, 137)
    model_config, train_config = preset("course")
    train_config = override(train_config, val_fraction=0.0, seed=seed)
    results = {}
    for arch in ("fused", "course"):
        with contextlib.redirect_stdout(io.StringIO()):  # bench_train prints its own line
            wall, metrics = bench_train.run(
                pieces, override(model_config, arch=arch), train_config, arch
            )
        results[arch] = emit(
            "train_course_preset",
            arch=arch,
            data=what,
            wall_seconds=wall,
            first_step_seconds=metrics["first_step_seconds"],
            epochs=metrics["epochs_run"],
            final_loss=metrics["final_loss"],
        )
    return results


# --- 3. generate in fresh processes ------------------------------------------------------------


def generate_timings(bundle: Path, repeat: int, tmp: Path, reduced: bool) -> dict[str, Any]:
    import bench_generate

    base = [PY, "-m", "jazzgen", "generate", "--model", str(bundle), "--bars", "32",
            "--out", str(tmp / "solo.mid"), "--force"]  # fmt: skip
    runs = {
        "numpy": base,
        "keras": [*base, "--engine", "keras"],
        "import_tensorflow": [PY, "-c", "import tensorflow"],
    }
    result = {}
    for label, cmd in runs.items():
        times = bench_generate.wall(cmd, repeat)
        result[label] = emit(
            "fresh_process",
            what=label if label == "import_tensorflow" else f"jazzgen generate --engine {label}",
            bars=None if label == "import_tensorflow" else 32,
            min_seconds=min(times),
            median_seconds=statistics.median(times),
            runs=len(times),
            model=None if label == "import_tensorflow" else str(bundle),
            reduced=reduced,
        )
    return result


# --- 4. preprocessing throughput ---------------------------------------------------------------


def preprocess_throughput(n_synthetic: int, tmp: Path, seed: int, reduced: bool) -> dict:
    import numpy as np
    from bench_preprocess import _cpu_seconds, synthetic_midi

    from jazzgen.corpus.preprocess import (
        EncodeOptions,
        build_corpus,
        encode_file,
        worker_pool_context,
    )
    from jazzgen.io.files import collect_inputs

    folder = tmp / "preprocess"
    folder.mkdir()
    rng = np.random.default_rng(seed)
    for i in range(n_synthetic):
        (folder / f"synthetic_{i:03d}.mid").write_bytes(synthetic_midi(rng))
    paths = collect_inputs([folder, *([DATA_MIDI] if DATA_MIDI.is_dir() else [])])
    options = EncodeOptions()
    encode_file(paths[0], options)  # warm-up: imports, scale caches
    start, cpu = time.perf_counter(), _cpu_seconds()
    for path in paths:
        encode_file(path, options)
    single, single_cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    jobs = 2
    start, cpu = time.perf_counter(), _cpu_seconds()
    pieces, report = build_corpus(paths, jobs=jobs, cache_dir=None, options=options)
    parallel, parallel_cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    n = len(paths)
    return emit(
        "preprocess",
        files=n,
        synthetic=n_synthetic,
        data_midi=n - n_synthetic,
        ok=report["ok"],
        tokens=sum(p.token_count for p in pieces),
        encode_file_files_per_s=n / single,
        encode_file_files_per_cpu_s=n / single_cpu,
        build_corpus_jobs=jobs,
        pool_start_method=worker_pool_context().get_start_method(),
        build_corpus_files_per_s=n / parallel,
        build_corpus_files_per_s_per_core=n / parallel / jobs,
        build_corpus_files_per_cpu_s=n / parallel_cpu,
        cpu_count=os.cpu_count(),
        reduced=reduced,
    )


# --- 5. peak RSS on a large corpus -------------------------------------------------------------


def large_corpus_pieces(min_pieces: int):
    """data/midi's pieces with chords transposed into 12 keys, repeated to >= min_pieces."""
    from dataclasses import replace

    from jazzgen.corpus.preprocess import EncodeOptions, load_training_corpus

    base, vocab, _encode, _skipped = load_training_corpus(
        [DATA_MIDI], options=EncodeOptions(), jobs=1
    )
    pieces = []
    copy = 0
    while len(pieces) < min_pieces:
        for semitones in range(12):
            for piece in base:
                bars = tuple(
                    replace(bar, chords=tuple((c.transpose(semitones), o) for c, o in bar.chords))
                    for bar in piece.bars
                )
                tag = f"t{semitones}c{copy}"
                source, sha256 = f"{piece.source}#{tag}", f"{tag}-{piece.sha256}"
                pieces.append(replace(piece, source=source, sha256=sha256, bars=bars))
        copy += 1
    return pieces, vocab


def vm_hwm_bytes() -> int:
    """Peak resident set of this process (VmHWM), from /proc; ru_maxrss as a fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_child(min_pieces: int, max_steps: int, val_fraction: float) -> int:
    """Body of the subprocess of measurement 5: prints one JSON line."""
    t0 = time.perf_counter()
    import jazzgen.training.train  # noqa: F401  (TensorFlow, Keras: most of the baseline)

    imports_rss = vm_hwm_bytes()
    pieces, vocab = large_corpus_pieces(min_pieces)
    corpus_rss = vm_hwm_bytes()
    import jazzgen.training.train as train_module
    from jazzgen.training.config import override, preset

    steps_run: list[int] = []

    class CappedTiming(train_module.Timing):
        """train()'s timing callback, also ending the epoch after `max_steps` batches (the
        batch size and data pipeline stay as they are; validation still runs in full)."""

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            super().on_train_batch_end(batch, logs)
            steps_run.append(batch + 1)
            if batch + 1 >= max_steps:
                self.model.stop_training = True

    train_module.Timing = CappedTiming
    model_config, train_config = preset("default")
    train_config = override(train_config, epochs=1, val_fraction=val_fraction)
    with tempfile.TemporaryDirectory() as tmp:
        result = train_module.train(
            pieces, vocab, model_config, train_config, Path(tmp) / "b", verbose=0
        )
    m = result.metrics
    print(json.dumps({
        "pieces": len(pieces),
        "tokens": sum(p.token_count for p in pieces),
        "n_values": len(vocab),
        "train_windows": m["train_windows"],
        "val_windows": m["val_windows"],
        "steps_run": steps_run[-1] if steps_run else 0,
        "steps_full_epoch": m["steps_per_epoch"],
        "batch_size": train_config.batch_size,
        "val_fraction": val_fraction,
        "fit_seconds": m["fit_seconds"],
        "seconds": time.perf_counter() - t0,
        "peak_rss_after_imports_bytes": imports_rss,
        "peak_rss_after_corpus_bytes": corpus_rss,
        "peak_rss_bytes": vm_hwm_bytes(),
    }), flush=True)  # fmt: skip
    return 0


def peak_rss(
    min_pieces: int, max_steps: int, val_fraction: float, reduced: bool
) -> dict[str, Any] | None:
    if not DATA_MIDI.is_dir():
        emit("train_peak_rss", skipped=f"{DATA_MIDI} not found")
        return None
    start = time.perf_counter()
    done = subprocess.run(
        [PY, __file__, "--rss-child", str(min_pieces), "--rss-steps", str(max_steps),
         "--rss-val-fraction", str(val_fraction)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        emit("train_peak_rss", error=done.stderr.strip().splitlines()[-3:])
        return None
    data = json.loads(lines[-1])
    return emit(
        "train_peak_rss",
        corpus="data/midi x 12 keys (chords transposed in Piece objects) x copies",
        preset="default",
        **data,
        peak_rss_mb=data["peak_rss_bytes"] / 1024**2,
        goal_mb=RSS_GOAL_BYTES / 1024**2,
        meets_goal=data["peak_rss_bytes"] < RSS_GOAL_BYTES,
        wall_seconds=wall,
        reduced=reduced,
    )


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="reduced run, under 2 minutes")
    parser.add_argument("--repeat", type=int, default=None, help="fresh-process runs (5)")
    parser.add_argument("--files", type=int, default=None, help="synthetic MIDI files (200)")
    parser.add_argument("--pieces", type=int, default=1000, help="large corpus size (1000)")
    parser.add_argument("--steps", type=int, default=None, help="capped training steps (200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rss-child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rss-steps", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--rss-val-fraction", type=float, default=0.1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child is not None:
        return rss_child(args.rss_child, args.rss_steps, args.rss_val_fraction)

    quick = args.quick
    repeat = args.repeat or (2 if quick else 5)
    n_files = args.files or (40 if quick else 200)
    steps = args.steps or (20 if quick else 200)
    t0 = time.perf_counter()
    emit("context", quick=quick, cpu_count=os.cpu_count(), python=sys.version.split()[0],
         other_busy_processes=busy_processes())  # fmt: skip
    summary: list[str] = []
    with tempfile.TemporaryDirectory(prefix="jazzgen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        # First, while this process has not imported TensorFlow: build_corpus then forks its
        # workers, as `jazzgen preprocess` does (with TensorFlow loaded it uses forkserver).
        pre = preprocess_throughput(n_files, tmp, args.seed, quick)
        summary.append(
            f"preprocess {pre['build_corpus_files_per_s']:.0f} files/s "
            f"({pre['build_corpus_files_per_s_per_core']:.0f}/core, {pre['files']} files)"
        )

        repro: dict[str, dict[str, Any]] = {}
        if METHENY.is_file():
            # This machine is noisy: the fused run (cheap) is repeated and its median run is
            # reported; the course arch (graph building alone ~15 s) runs once.
            for arch, repeats in (("fused", 3), ("course", 1)):
                runs = [
                    course_reproduction(arch, tmp / f"course-{arch}-{i}") for i in range(repeats)
                ]
                runs = sorted((r for r in runs if r), key=lambda r: r["wall_seconds"])
                if runs:
                    repro[arch] = runs[len(runs) // 2]
                    repro[arch]["runs"] = len(runs)
                    repro[arch]["min_wall_seconds"] = runs[0]["wall_seconds"]
            if len(repro) == 2:
                summary.append(
                    f"course repro (median of {repro['fused']['runs']}) "
                    f"{repro['fused']['wall_seconds']:.1f} s fused / "
                    f"{repro['course']['wall_seconds']:.1f} s course arch "
                    f"({repro['fused']['ratio_vs_course_74s']:.1f}x / "
                    f"{repro['course']['ratio_vs_course_74s']:.1f}x vs 74 s)"
                )
            if quick and len(repro) == 2:
                trained = {
                    arch: emit("train_course_preset", arch=arch, data="metheny bars 120-137",
                               wall_seconds=line["train_seconds"], epochs=line["epochs"],
                               final_loss=line["final_loss"], reduced=True,
                               source="train stage of the course_reproduction run above")
                    for arch, line in repro.items()
                }  # fmt: skip
            else:
                trained = training_comparison(args.seed)
            f, c = trained["fused"], trained["course"]
            summary.append(
                f"train {f['wall_seconds']:.1f} s fused vs {c['wall_seconds']:.1f} s course "
                f"arch ({c['wall_seconds'] / f['wall_seconds']:.1f}x), loss "
                f"{f['final_loss']:.3f} vs {c['final_loss']:.3f}"
            )
        else:
            emit("course_reproduction", skipped=f"{METHENY} not found (measurements 1 and 2)")

        default = ROOT / "models" / "default"
        if default.is_dir():
            bundle = default
        elif "fused" in repro:
            bundle = Path(repro["fused"]["bundle"])
        else:
            import bench_generate

            bundle = bench_generate.build_bundle(tmp / "untrained")
        gen = generate_timings(bundle, repeat, tmp, quick)
        summary.append(
            "generate 32 bars min/median numpy "
            f"{gen['numpy']['min_seconds']:.2f}/{gen['numpy']['median_seconds']:.2f} s, keras "
            f"{gen['keras']['min_seconds']:.2f}/{gen['keras']['median_seconds']:.2f} s, "
            f"import tensorflow {gen['import_tensorflow']['min_seconds']:.2f}/"
            f"{gen['import_tensorflow']['median_seconds']:.2f} s ({bundle.name})"
        )

        rss = peak_rss(args.pieces, steps, 0.02 if quick else 0.1, quick)
        if rss:
            summary.append(
                f"peak RSS {rss['peak_rss_mb']:.0f} MB training {rss['pieces']} pieces "
                f"({'<' if rss['meets_goal'] else '>='} 2 GB goal, {rss['steps_run']} steps)"
            )

        import bench_wjazzd  # measurement 6 (skipped without the database)

        summary += bench_wjazzd.run_all(
            bench_wjazzd.WJAZZD, repeat=2 if quick else 3, batches=100 if quick else 300, tmp=tmp
        )
    emit("context_end", other_busy_processes=busy_processes())
    mode = "quick (reduced: see 'reduced' fields)" if quick else "full"
    print(f"summary [{mode}, {time.perf_counter() - t0:.0f} s]: " + "; ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
