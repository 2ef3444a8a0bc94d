"""`jazzgen generate` as a library call: options in, MIDI bytes + notes + report out.

Pipeline: bundle -> chord progression (--chords text, a --leadsheet file, or one drawn with
the seed from the bundle's training progressions) -> bars -> constrained decoding of N
candidates in one batch (generation.decode) -> realization over the chords
(tokens.realize, with the bundle's learned realizer when it has one) -> post-processing
(generation.postprocess) -> best candidate -> articulation and dynamics (the bundle's
`performance.json`, when it has one) -> backing parts (output.arrange) -> MIDI bytes
(io.midi_writer). File access stays at the
edges: `generate` reads the bundle and input files, never writes; the CLI writes.

Choices (documented for users in `jazzgen generate --help`):
- `bars`: None = the length of the given progression (--chords / --leadsheet), or
  `DEFAULT_DRAWN_BARS` for a progression drawn from the bundle; otherwise the progression
  is repeated or truncated to `bars`.
- Several chords in a bar split it evenly on beats ("Dm7 G7" in 4/4: beats 1 and 3).
- Primer: its melody is read like a lead sheet, encoded and fed to warm the model state;
  the output INCLUDES the primer (its bars and chords first, unchanged and not
  post-processed), followed by `bars` generated bars.
- Best of N: score = the model's log-likelihood (natural log, unmasked model
  probabilities) per beat above the log-likelihood per beat the model expected of the
  candidate (minus the entropy of its distribution at every step it sampled) -
  `EDIT_PENALTY` x post-processor edits per note. A sample from the model scores 0 on
  average whatever its number of tokens, so the score neither favours a few long, sure
  rests (as a mean per token does) nor few tokens (as a plain sum per beat does). Bundles
  made before the training density was recorded (`notes_per_bar` in config.json) keep
  the earlier score, the mean log-likelihood per token, so they give the same files.
  One edit per note costs 1 nat.
- Degenerate solos: a candidate with fewer than `DEGENERATE_FRACTION` x the training
  data's notes per bar (no notes at all for a bundle that does not record it) is
  degenerate and loses to any other; when every candidate is, `RESAMPLE_ROUNDS` more
  rounds of N candidates are decoded (new random streams). If the chosen solo is still
  degenerate, `generate` warns (report `warnings`).
- Key signature: the lead sheet's, else the major key whose scale holds most chord tones
  (weighted by chord duration, the chord root on the tonic breaking ties).
- How notes are played: a bundle trained with the default preset has a learned realizer
  (`realizer.json`: pitches drawn as players choose them) and learned articulation and
  dynamics (`performance.json`: sounding lengths and accents, applied to the generated
  notes after post-processing, not to a primer's). `uniform_realizer` (--uniform-realizer)
  and `legato` (--legato) ask for the course's uniform draw and legato notes at one
  velocity, which is also what a bundle without those files (the course preset, an older
  bundle) gives.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.core import limits
from jazzgen.core.constants import DEFAULT_PITCH_RANGE, DEFAULT_QPM
from jazzgen.core.errors import BundleError, ConfigError, GenerationError, LimitError
from jazzgen.core.style import LEVELS, Style, draw_style
from jazzgen.core.types import Bar, Note
from jazzgen.core.wording import plural
from jazzgen.generation.bar_fit import VocabTables
from jazzgen.generation.calibration import (
    CALIBRATION_BATCH,
    Calibration,
    Player,
    load_calibration,
)
from jazzgen.generation.decode import Decoded, PitchFeed, decode, engine_features, takes_pitch
from jazzgen.generation.engines import ENGINES, Engine, make_engine
from jazzgen.generation.postprocess import Edit, PostprocessConfig, postprocess
from jazzgen.generation.primer import Primer, read_primer
from jazzgen.generation.progression import (
    ProgressionPlan,
    guess_key_fifths,
    make_bars,
    plan_from_bundle,
    plan_from_chart_file,
    plan_from_chords,
    plan_from_leadsheet,
    step_context,
    step_features,
)
from jazzgen.generation.sampling import SamplingOptions
from jazzgen.io.midi_writer import Part, key_name, midi_bytes
from jazzgen.output.arrange import BACKINGS, MELODY_VOLUME, arrange, chord_markers
from jazzgen.performance.articulation import PerformanceModel, load_performance
from jazzgen.performance.realizer import LearnedRealizer, load_realizer
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.realize import LineRealizer, Realizer, realize_bars
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle import Bundle, load_bundle

log = logging.getLogger(__name__)

EDIT_PENALTY = 1.0  # nats of score per (post-processor edit per note)
DEGENERATE_FRACTION = 0.25  # of the training data's notes per bar: below it, degenerate
RESAMPLE_ROUNDS = 3  # extra rounds of N candidates while every candidate is degenerate
SCORE_RULES = ("token", "beat_excess")  # score of bundles without / with notes_per_bar
DEFAULT_MELODY_PROGRAM = 66  # GM Tenor Sax (0-based)
DEFAULT_CHORDS_PROGRAM = 0  # GM Acoustic Grand Piano
MELODY_CHANNEL = 0

# Sounding ranges the realized melody is kept in, by GM program (0-based): the comfortable
# part of each instrument's range. Anything else gets the grammar default C3..C6.
PROGRAM_RANGES: dict[int, tuple[int, int]] = {
    64: (60, 86),  # soprano sax
    65: (53, 79),  # alto sax: F3..G5
    66: (48, 74),  # tenor sax: C3..D5
    67: (41, 67),  # baritone sax
    56: (55, 82),  # trumpet
    57: (41, 70),  # trombone
    73: (60, 91),  # flute
    **{p: (52, 84) for p in range(24, 32)},  # guitars
    **{p: DEFAULT_PITCH_RANGE for p in range(0, 8)},  # pianos
}


def default_model_dir() -> Path:
    """`models/default` next to the package (where `make demo`'s model lives)."""
    import jazzgen

    return Path(jazzgen.__file__).resolve().parents[1] / "models" / "default"


def parse_range(text: str) -> tuple[int, int]:
    """'48-76' -> (48, 76); at least an octave inside 0..127."""
    parts = text.replace(" ", "").split("-")
    try:
        low, high = (int(p) for p in parts)
    except ValueError:
        raise ConfigError(
            f"--range must be LOW-HIGH in MIDI pitches, e.g. 48-76, got {text!r}"
        ) from None
    if not (0 <= low < high <= 127 and high - low >= 12):
        raise ConfigError(
            f"--range must lie in 0..127 and span at least 12 semitones, got {text!r}"
        )
    return low, high


def check_solo_bars(n_bars: int, what: str) -> None:
    """ConfigError for fewer than 1 bar, LimitError beyond the `solo-bars` limit: decoding
    costs time in proportion to the bars (`what` says where the number comes from)."""
    if n_bars < 1:
        raise ConfigError(f"bars must be >= 1, got {n_bars}")
    if n_bars > limits.current().solo_bars:
        raise LimitError(limits.exceeded("solo_bars", f"{what}: {n_bars} bars"))


@dataclass(frozen=True)
class GenerateOptions:
    """Every option of `jazzgen generate` (None = default / derived)."""

    model: str | Path | None = None  # bundle dir; None = default_model_dir()
    chords: str | None = None  # progression text 'Dm7 G7 | Cmaj7', or an iReal Pro link
    chords_file: str | Path | None = None  # a chart file (or iReal link / HTML export)
    tune: str | None = None  # the tune (title or number from 1) of an iReal link
    leadsheet: str | Path | None = None  # MIDI/MusicXML/ABC/WJazzD to take chords + meter from
    solo: int | None = None  # with a WJazzD --leadsheet: the solo (melid)
    bars: int | None = None
    primer: str | Path | None = None
    tempo: float | None = None  # qpm; None = lead sheet's or 120
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    candidates: int = 1
    seed: int = 0
    engine: str = "numpy"
    postprocess: bool = True
    max_repeats: int = 2
    max_leap: int = 12
    pitch_range: tuple[int, int] | None = None  # None: from the melody program
    swing: float | None = None
    melody_program: int | None = None  # None: a WJazzD solo's instrument, else tenor sax
    chords_program: int = DEFAULT_CHORDS_PROGRAM
    backing: str = "trio"
    count_in_bars: int = 0  # bars of hi-hat before the solo (trio backing only)
    legato: bool = False  # True: notes legato at one velocity (ignore performance.json)
    uniform_realizer: bool = False  # True: pitches drawn uniformly (ignore realizer.json)
    uncalibrated: bool = False  # True: tokens drawn as the network gives them (ignore
    # calibration.json)
    density: str | None = None  # core.style.DENSITY_LEVELS name; None = drawn (style models)
    outside: str | None = None  # core.style.OUTSIDE_LEVELS name; None = drawn

    def __post_init__(self) -> None:
        given = [
            name
            for name, value in (
                ("--chords", self.chords),
                ("--chords-file", self.chords_file),
                ("--leadsheet", self.leadsheet),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ConfigError(f"give one of --chords, --chords-file, --leadsheet, got {given}")
        if self.solo is not None and self.leadsheet is None:
            raise ConfigError("--solo picks a solo of a WJazzD database given to --leadsheet")
        if self.tune is not None and self.chords is None and self.chords_file is None:
            raise ConfigError("--tune picks a tune of an iReal Pro link in --chords/--chords-file")
        if self.bars is not None:
            check_solo_bars(self.bars, "--bars")
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"--seed must be in range 0..{2**32 - 1}, got {self.seed}")
        if not 1 <= self.candidates <= 1024:
            raise ConfigError(f"--candidates must be in range 1..1024, got {self.candidates}")
        if self.engine not in ENGINES:
            raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.backing not in BACKINGS:
            raise ConfigError(
                f"--backing must be one of {', '.join(BACKINGS)}, got {self.backing!r}"
            )
        if self.tempo is not None and not 20 <= self.tempo <= 400:
            raise ConfigError(f"--tempo must be in range 20..400 qpm, got {self.tempo}")
        for name in ("melody_program", "chords_program"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 127:
                raise ConfigError(
                    f"--{name.replace('_', '-')} must be in range 0..127, got {value}"
                )
        if not 0 <= self.count_in_bars <= 16:
            raise ConfigError(f"--count-in must be in range 0..16 bars, got {self.count_in_bars}")
        if self.count_in_bars and self.backing != "trio":
            raise ConfigError(
                f"--count-in needs --backing trio (the drums play it), got {self.backing!r}"
            )
        if self.swing is not None and not 0.5 <= self.swing <= 0.75:
            raise ConfigError(f"--swing must be in range 0.5..0.75, got {self.swing}")
        SamplingOptions(self.temperature, self.top_k, self.top_p)  # validates
        Style.named(self.density or "medium", self.outside or "medium")  # validates

    @property
    def program(self) -> int:
        """The melody's GM program: --melody-program, else the default (tenor sax)."""
        return DEFAULT_MELODY_PROGRAM if self.melody_program is None else self.melody_program

    @property
    def melody_range(self) -> tuple[int, int]:
        if self.pitch_range is not None:
            return self.pitch_range
        return PROGRAM_RANGES.get(self.program, DEFAULT_PITCH_RANGE)


@dataclass(frozen=True)
class GenerateResult:
    """The generated file and what it contains. `report` is JSON-ready."""

    midi: bytes
    notes: tuple[Note, ...]  # the melody, absolute quarter notes
    bars: tuple[Bar, ...]
    edits: tuple[Edit, ...]
    qpm: float
    report: dict[str, Any] = field(repr=False)
    parts: tuple[Part, ...] = field(default=(), repr=False)  # what the MIDI file holds

    @property
    def duration_seconds(self) -> float:
        return self.report["duration_seconds"]

    def summary(self, out: str | Path | None = None) -> str:
        r = self.report
        counts = ", ".join(f"{k} {v}" for k, v in r["edit_counts"].items()) or "none"
        target = f"wrote {out}" if out is not None else "generated"
        return (
            f"{target}: {plural(r['bars'], 'bar')}, {plural(r['notes'], 'note')}, "
            f"{r['duration_seconds']:.1f} s "
            f"at {r['qpm']:g} qpm, {r['time_signature']}, key {r['key']}, "
            f"backing {r['backing']}"
            + (f" after a {r['count_in_bars']}-bar count-in" if r.get("count_in_bars") else "")
            + (f"; style {r['style']}" if r.get("style") else "")
            + "\n"
            f"post-processor: {plural(len(self.edits), 'edit')} ({counts}); "
            f"best of {r['candidates']} "
            f"(candidate {r['chosen']}, mean log-likelihood "
            f"{r['scores'][r['chosen']]['mean_log_likelihood']:.3f})"
            + (f", {r['rounds']} rounds (degenerate solos resampled)" if r["rounds"] > 1 else "")
            + "".join(f"\nwarning: {w}" for w in r["warnings"])
        )


# --- the steps of `generate` ---------------------------------------------------------------


def open_bundle(model: str | Path | None) -> Bundle:
    """The bundle at `model` (None: `default_model_dir()`, with a hint when it is missing)."""
    model_dir = Path(model) if model is not None else default_model_dir()
    if model is None and not model_dir.is_dir():
        raise BundleError(
            f"no default model at {model_dir}: train one (jazzgen train ... --out "
            f"{model_dir}) or pass --model DIR"
        )
    return load_bundle(model_dir)


def plan_progression(options: GenerateOptions, bundle: Bundle) -> ProgressionPlan:
    """The changes from --chords or --chords-file (a chart in the bundle's meter, or an
    iReal Pro tune), --leadsheet, else the bundle."""
    if options.chords is not None:
        return plan_from_chords(options.chords, bundle.time_signature, tune=options.tune)
    if options.chords_file is not None:
        return plan_from_chart_file(options.chords_file, bundle.time_signature, tune=options.tune)
    if options.leadsheet is not None:
        return plan_from_leadsheet(options.leadsheet, solo=options.solo)
    return plan_from_bundle(bundle, np.random.default_rng([options.seed, 2]))


def place_primer(
    options: GenerateOptions, plan: ProgressionPlan, tables: VocabTables, vocab: Vocab
) -> Primer | None:
    """The --primer (None without one), checked against the solo's meter and moved after
    the count-in."""
    if not options.primer:
        return None
    primer = read_primer(options.primer, tables, vocab)
    primer.check_meter(plan.time_signature, options.primer)
    count_in_beats = options.count_in_bars * plan.time_signature.bar_beats
    return primer.shifted(count_in_beats) if count_in_beats else primer


def solo_bars(options: GenerateOptions, plan: ProgressionPlan, primer: Primer | None) -> list[Bar]:
    """The bars to generate: `options.bars` (default: the plan's) after the primer's bars,
    else after the count-in."""
    n_bars = options.bars if options.bars is not None else plan.default_bars
    check_solo_bars(n_bars, plan.source)
    if primer is not None:
        first, start = len(primer.bars), primer.bars[-1].end_beat
    else:
        first, start = 0, options.count_in_bars * plan.time_signature.bar_beats
    return make_bars(
        plan.progression, plan.time_signature, n_bars, first_index=first, start_beat=start
    )


def model_features(
    engine: Engine,
    bars: Sequence[Bar],
    primer: Primer | None,
    centre: float,
    piece: tuple[float, Style],
) -> tuple[np.ndarray, np.ndarray | None]:
    """The engine's inputs besides the token (`decode.engine_features`): at every grid step
    of `bars` (without the pitch input, which decoding adds), and for each primer token
    (None without a primer; with the pitch input around `centre`). The context counts the
    primer's bars first, then the solo's (`progression.step_context`), at the `piece`'s
    (qpm, style)."""
    chords = step_features(bars)
    context = primer_context = None
    if engine.context_input:
        before = list(primer.bars) if primer is not None else []
        every = step_context([*before, *bars], *piece)
        context = every[sum(b.steps for b in before) :]
        if primer is not None:
            primer_context = primer.context_rows(every)
    features = engine_features(engine, chords, context)
    if primer is None:
        return features, None
    pitch = primer.pitch_rows(centre) if takes_pitch(engine) else None
    return features, engine_features(engine, primer.features, primer_context, pitch)


def decode_candidates(
    engine: Engine,
    vocab: Vocab,
    tables: VocabTables,
    bars: Sequence[Bar],
    options: GenerateOptions,
    primer: Primer | None,
    round_index: int = 0,
    realizer: Realizer | None = None,
    *,
    qpm: float,
    style: Style,
    bias: np.ndarray | None = None,
) -> Decoded:
    """`options.candidates` token solos over `bars` at `qpm` in `style`, after the primer
    (generation.decode; `bias`: the decoding calibration's, `decoding_bias`); round r > 0
    (a resampling round) draws from its own random stream. A model with a pitch input
    realizes each candidate's notes as it decodes (with `realizer`, from the random stream
    `realize_candidates` would use)."""
    centre = sum(options.melody_range) / 2
    features, primer_features = model_features(engine, bars, primer, centre, (qpm, style))
    feed = None
    if takes_pitch(engine):
        first = round_index * options.candidates
        lines = [
            LineRealizer(
                np.random.default_rng([options.seed, 1, first + c]),
                prev_pitch=primer.last_pitch if primer is not None else None,
                pitch_range=options.melody_range,
                realizer=realizer,
            )
            for c in range(options.candidates)
        ]
        feed = PitchFeed(bars, lines, centre)
    seed = [options.seed, 0] if round_index == 0 else [options.seed, 0, round_index]
    return decode(
        engine,
        vocab,
        [b.steps for b in bars],
        features,
        rng=np.random.default_rng(seed),
        candidates=options.candidates,
        sampling=SamplingOptions(options.temperature, options.top_k, options.top_p),
        primer_ids=primer.ids if primer is not None else (),
        primer_chord_features=primer_features,
        primer_has_note=bool(primer is not None and primer.notes),
        tables=tables,
        feed=feed,
        bias=bias,
    )


def decoding_bias(bundle: Bundle, options: GenerateOptions) -> np.ndarray | None:
    """The bundle's decoding calibration as a bias per token id (`generation.calibration`);
    None without `calibration.json` or with --uncalibrated."""
    calibration = None if options.uncalibrated else load_calibration(bundle.path)
    return None if calibration is None else calibration.token_bias(bundle.vocab)


def calibration_player(bundle: Bundle, tempi: Sequence[float], solos: int, bars: int) -> Player:
    """`generation.calibration.Player` of `bundle`: `solos` solos of `bars` bars over its
    training progressions (drawn), decoded `CALIBRATION_BATCH` at a time over one
    progression, batch k at `tempi[k % len(tempi)]`, seeded by the round and k, in the
    styles its training pieces have (with the style input)."""
    tables = VocabTables.of(bundle.vocab)
    engine = make_engine(bundle)
    realizer = load_realizer(bundle.path)  # read once, not per solo
    batches = max(1, -(-solos // CALIBRATION_BATCH))

    def play(bias: np.ndarray, round_index: int) -> list[Token]:
        played: list[Token] = []
        token_bias = Calibration(bias).token_bias(bundle.vocab)
        for k in range(batches):
            options = GenerateOptions(model=bundle.path, bars=bars, seed=round_index * batches + k,
                                      candidates=min(CALIBRATION_BATCH, solos))  # fmt: skip
            plan = plan_progression(options, bundle)
            decoded = decode_candidates(
                engine, bundle.vocab, tables, solo_bars(options, plan, None), options, None,
                realizer=realizer, qpm=float(tempi[k % len(tempi)]),
                style=solo_style(options, bundle) or Style(), bias=token_bias,
            )  # fmt: skip
            played += [token for solo in decoded.bars for bar in solo for token in bar]
        return played

    return play


@dataclass(frozen=True)
class Candidate:
    """One decoded solo, realized and post-processed, with its score (see module doc)."""

    index: int
    score: float  # -inf for a silent solo
    mean_log_likelihood: float
    notes: tuple[Note, ...]
    edits: tuple[Edit, ...]
    fallbacks: int  # realization fallbacks (tokens.realize)
    log_likelihood: float = 0.0  # sum over the scored tokens (nats)
    entropy: float = 0.0  # sum of the model's entropies at those steps (nats)
    tokens: int = 0  # scored tokens
    notes_per_bar: float = 0.0
    degenerate: bool = False  # far fewer notes than the training data (module doc)
    forced_rests: int = 0  # bars closed with a forced rest


@dataclass(frozen=True)
class Scoring:
    """How candidates are judged: the score rule ("token": mean log-likelihood per token;
    "beat_excess": log-likelihood per beat above its expectation, see module doc) and the
    notes per bar below which a solo is degenerate (0: only a silent one)."""

    rule: str
    degenerate_below: float
    training_notes_per_bar: float | None

    @classmethod
    def of(cls, bundle: Bundle) -> Scoring:
        density = bundle.config.notes_per_bar
        if density is None:  # an older bundle: the earlier score, so the same files
            return cls(SCORE_RULES[0], 0.0, None)
        return cls(SCORE_RULES[1], DEGENERATE_FRACTION * density, density)

    def is_degenerate(self, notes: int, bars: int) -> bool:
        return notes == 0 or notes / max(bars, 1) < self.degenerate_below

    def score(self, decoded: Decoded, c: int, beats: float, edits_per_note: float) -> float:
        if self.rule == "token":
            base = float(decoded.mean_log_likelihood()[c])
        else:
            entropy = 0.0 if decoded.entropy is None else float(decoded.entropy[c])
            base = (float(decoded.log_likelihood[c]) + entropy) / max(beats, 1e-9)
        return base - EDIT_PENALTY * edits_per_note


def realize_candidates(
    decoded: Decoded,
    bars: Sequence[Bar],
    options: GenerateOptions,
    primer: Primer | None,
    scoring: Scoring,
    first_index: int = 0,
    realizer: Realizer | None = None,
) -> list[Candidate]:
    """Every decoded candidate as notes over `bars` (pitches drawn by `realizer`, None:
    uniformly), post-processed and scored; candidate c of the batch is number
    `first_index + c` (its realization's random stream)."""
    melody_range = options.melody_range
    pp_config = PostprocessConfig(
        max_repeats=options.max_repeats, max_leap=options.max_leap, pitch_range=melody_range
    )
    beats = sum(b.length_beats for b in bars)
    candidates = []
    for c in range(len(decoded.bars)):
        index = first_index + c
        realized = (
            decoded.realized[c]
            if decoded.realized is not None
            else realize_bars(
                decoded.bars[c],
                bars,
                np.random.default_rng([options.seed, 1, index]),
                prev_pitch=primer.last_pitch if primer is not None else None,
                pitch_range=melody_range,
                realizer=realizer,
            )
        )
        notes: tuple[Note, ...] = realized.notes
        edits: tuple[Edit, ...] = ()
        if options.postprocess:
            notes, edits = postprocess(realized.notes, bars, pp_config)
        score = scoring.score(decoded, c, beats, len(edits) / max(len(notes), 1))
        degenerate = scoring.is_degenerate(len(notes), len(bars))
        if degenerate:
            score = -np.inf  # a degenerate solo only wins when every candidate is one
        candidates.append(
            Candidate(
                index,
                score,
                float(decoded.mean_log_likelihood()[c]),
                notes,
                edits,
                realized.fallbacks,
                float(decoded.log_likelihood[c]),
                0.0 if decoded.entropy is None else float(decoded.entropy[c]),
                int(decoded.scored_tokens[c]),
                len(notes) / max(len(bars), 1),
                degenerate,
                int(decoded.forced_rests[c]),
            )
        )
    return candidates


def best_candidate(candidates: Sequence[Candidate]) -> Candidate:
    """Highest score; the lowest index among equal scores (when every one is degenerate,
    at -inf: the one with the most notes)."""
    return max(
        candidates,
        key=lambda c: (c.score, len(c.notes) if c.score == -np.inf else 0, -c.index),
    )


@dataclass(frozen=True)
class Solo:
    """The chosen melody over every bar (primer bars first), with how it was chosen."""

    melody: tuple[Note, ...]
    bars: list[Bar]
    primer_bars: int
    candidates: list[Candidate]
    chosen: Candidate
    forced_rests: int  # bars of the chosen candidate closed with a forced rest
    rounds: int = 1  # decoding rounds (more than 1: degenerate candidates were resampled)
    scoring: Scoring | None = None
    warnings: tuple[str, ...] = ()


def choose_solo(
    decode_round: Callable[[int], Decoded],
    bars: list[Bar],
    options: GenerateOptions,
    primer: Primer | None,
    scoring: Scoring,
    realizer: Realizer | None = None,
) -> Solo:
    """The best candidate of `decode_round(0)`, resampling rounds 1, 2... while every
    candidate so far is degenerate; after the primer's notes and bars."""
    candidates: list[Candidate] = []
    rounds = 0
    while rounds <= RESAMPLE_ROUNDS:
        decoded = decode_round(rounds)
        candidates += realize_candidates(
            decoded, bars, options, primer, scoring, len(candidates), realizer
        )
        rounds += 1
        if not all(c.degenerate for c in candidates):
            break
    chosen = best_candidate(candidates)
    warnings = _degenerate_warnings(chosen, candidates, scoring, rounds)
    primer_notes, primer_bars = (primer.notes, primer.bars) if primer is not None else ((), [])
    return Solo(
        primer_notes + tuple(chosen.notes),
        primer_bars + bars,
        len(primer_bars),
        candidates,
        chosen,
        chosen.forced_rests,
        rounds,
        scoring,
        warnings,
    )


def _degenerate_warnings(
    chosen: Candidate, candidates: Sequence[Candidate], scoring: Scoring, rounds: int
) -> tuple[str, ...]:
    """A warning (logged, and for the report) when the chosen solo is still degenerate."""
    if not chosen.degenerate:
        return ()
    what = "silent" if not chosen.notes else "nearly empty"
    density = scoring.training_notes_per_bar
    expected = f" (the training data plays {density:.2f})" if density is not None else ""
    message = (
        f"the solo is {what}: {chosen.notes_per_bar:.2f} notes per bar{expected}, the best "
        f"of {len(candidates)} candidates in {rounds} round(s); the model may have learned "
        "long silences: retrain it (jazzgen train cuts them), or try another --seed, a "
        "higher --temperature or more --candidates"
    )
    log.warning(message)
    return (message,)


@dataclass(frozen=True)
class Performance:
    """How the notes are played: the bundle's learned models, unless the options or the
    bundle say otherwise (None: the course's uniform draw / legato at one velocity)."""

    realizer: LearnedRealizer | None
    articulation: PerformanceModel | None

    @classmethod
    def of(cls, bundle: Bundle, options: GenerateOptions) -> Performance:
        return cls(
            None if options.uniform_realizer else load_realizer(bundle.path),
            None if options.legato else load_performance(bundle.path),
        )


@dataclass(frozen=True)
class Played:
    """How a solo was drawn and performed, for the report: the performance models, the
    style (`solo_style`; None for a model without the style input) and whether the
    decoding calibration was applied (`decoding_bias`)."""

    performance: Performance
    style: Style | None
    calibrated: bool


def perform_solo(solo: Solo, performance: Performance, options: GenerateOptions) -> Solo:
    """The solo with the generated notes articulated and accented (the primer's as read)."""
    if performance.articulation is None or not solo.chosen.notes:
        return solo
    rng = np.random.default_rng([options.seed, 4])
    played = performance.articulation.apply(solo.chosen.notes, solo.bars, rng)
    primer_notes = solo.melody[: len(solo.melody) - len(solo.chosen.notes)]
    return replace(solo, melody=primer_notes + played)


@dataclass(frozen=True)
class Song:
    """The solo as a MIDI file: its parts, bytes, tempo and key signature."""

    parts: list[Part]
    midi: bytes
    qpm: float
    key_fifths: int


def solo_qpm(options: GenerateOptions, plan: ProgressionPlan) -> float:
    """The solo's tempo: --tempo, else the lead sheet's, else `DEFAULT_QPM`."""
    return float(options.tempo or plan.qpm or DEFAULT_QPM)


def solo_style(options: GenerateOptions, bundle: Bundle) -> Style | None:
    """The style the solo is played in (`core.style`): with a model that has the style
    input, --density and --outside where given, the rest drawn from the bundle's training
    pieces' styles (random stream 5 of the seed); None for other models (ConfigError when
    --density or --outside is given for one)."""
    if not bundle.model_config.style_input:
        if options.density is not None or options.outside is not None:
            raise ConfigError(
                "--density and --outside need a model trained with the style input "
                "(jazzgen train --style-input); this one has none"
            )
        return None
    counts = bundle.config.styles or (1,) * (LEVELS * LEVELS)
    rng = np.random.default_rng([options.seed, 5])
    return draw_style(counts, rng, options.density, options.outside)


def arrange_song(options: GenerateOptions, plan: ProgressionPlan, solo: Solo) -> Song:
    """Melody + backing parts (output.arrange) -> MIDI bytes (io.midi_writer)."""
    qpm = solo_qpm(options, plan)
    key_fifths = plan.key_fifths if plan.key_fifths is not None else guess_key_fifths(solo.bars)
    parts = [Part("Melody", options.program, MELODY_CHANNEL, solo.melody, volume=MELODY_VOLUME)]
    parts += arrange(
        solo.bars,
        backing=options.backing,
        rng=np.random.default_rng([options.seed, 3]),
        chords_program=options.chords_program,
        count_in_bars=options.count_in_bars,
        melody=solo.melody,
    )
    data = midi_bytes(
        parts,
        qpm=qpm,
        time_signature=plan.time_signature,
        key_fifths=key_fifths,
        swing=options.swing,
        seed=options.seed,
        chord_markers=chord_markers(solo.bars),
    )
    return Song(parts, data, qpm, key_fifths)


def generate_report(
    options: GenerateOptions,
    bundle: Bundle,
    plan: ProgressionPlan,
    solo: Solo,
    song: Song,
    played: Played,
) -> dict[str, Any]:
    """The JSON-ready report of `generate` (keys documented by `jazzgen generate --json`);
    `played`: how the solo was drawn and performed."""
    performance, style = played.performance, played.style
    bars = solo.bars
    edits = solo.chosen.edits
    return {
        "bars": len(bars),
        "generated_bars": len(bars) - solo.primer_bars,
        "primer_bars": solo.primer_bars,
        "notes": len(solo.melody),
        "duration_seconds": round(bars[-1].end_beat * 60.0 / song.qpm, 3),
        "qpm": song.qpm,
        "time_signature": str(plan.time_signature),
        "key": key_name(song.key_fifths),
        "key_fifths": song.key_fifths,
        "progression_source": plan.source,
        "progression": [[s.chord.symbol for s in b.chords] for b in bars],
        "model": str(bundle.path),
        "engine": options.engine,
        "seed": options.seed,
        "style": None if style is None else style.label,
        "temperature": options.temperature,
        "top_k": options.top_k,
        "top_p": options.top_p,
        "backing": options.backing,
        "count_in_bars": options.count_in_bars,
        "pitch_range": list(options.melody_range),
        "melody_program": options.program,
        "candidates": options.candidates,
        "chosen": solo.chosen.index,
        "scores": [_score_report(cand) for cand in solo.candidates],
        "score_rule": solo.scoring.rule if solo.scoring is not None else SCORE_RULES[0],
        "rounds": solo.rounds,
        "training_notes_per_bar": (
            solo.scoring.training_notes_per_bar if solo.scoring is not None else None
        ),
        "warnings": list(solo.warnings),
        "edit_penalty": EDIT_PENALTY,
        "forced_rests": solo.forced_rests,
        "realize_fallbacks": solo.chosen.fallbacks,
        "realizer": "uniform" if performance.realizer is None else "learned",
        "articulation": "legato" if performance.articulation is None else "learned",
        "calibrated": played.calibrated,
        "postprocess": options.postprocess,
        "edit_counts": dict(Counter(e.rule for e in edits)),
        "edits": [e.to_dict() for e in edits],
    }


def _score_report(cand: Candidate) -> dict[str, Any]:
    return {
        "candidate": cand.index,
        "score": None if not np.isfinite(cand.score) else round(cand.score, 6),
        "mean_log_likelihood": round(cand.mean_log_likelihood, 6),
        "log_likelihood": round(cand.log_likelihood, 6),
        "entropy": round(cand.entropy, 6),
        "tokens": cand.tokens,
        "edits": len(cand.edits),
        "notes": len(cand.notes),
        "notes_per_bar": round(cand.notes_per_bar, 4),
        "degenerate": cand.degenerate,
    }


# --- main entry ----------------------------------------------------------------------------


def generate(options: GenerateOptions, *, bundle: Bundle | None = None) -> GenerateResult:
    """Generate a solo (see module doc). Raises JazzgenError subclasses for bad input."""
    t0 = time.perf_counter()
    bundle = bundle if bundle is not None else open_bundle(options.model)
    tables = VocabTables.of(bundle.vocab)
    plan = plan_progression(options, bundle)
    if options.melody_program is None and plan.melody_program is not None:
        options = replace(options, melody_program=plan.melody_program)  # the solo's instrument
    primer = place_primer(options, plan, tables, bundle.vocab)
    bars = solo_bars(options, plan, primer)
    engine = make_engine(bundle, options.engine)
    performance = Performance.of(bundle, options)
    style = solo_style(options, bundle)
    bias = decoding_bias(bundle, options)
    t_load = time.perf_counter()

    def decode_round(round_index: int) -> Decoded:
        return decode_candidates(
            engine, bundle.vocab, tables, bars, options, primer, round_index,
            performance.realizer, qpm=solo_qpm(options, plan), style=style or Style(),
            bias=bias,
        )  # fmt: skip

    solo = choose_solo(
        decode_round, bars, options, primer, Scoring.of(bundle), performance.realizer
    )
    if not solo.chosen.notes:
        raise GenerationError(
            f"the model generated no notes in {len(bars)} bars (every candidate is silent): "
            "try another --seed, more --candidates or a higher --temperature"
        )
    solo = perform_solo(solo, performance, options)
    t_post = time.perf_counter()
    song = arrange_song(options, plan, solo)
    t_write = time.perf_counter()
    log.info(
        "generate: load %.3fs decode and post %.3fs (%d rounds) write %.3fs",
        t_load - t0,
        t_post - t_load,
        solo.rounds,
        t_write - t_post,
    )
    played = Played(performance, style, calibrated=bias is not None)
    report = generate_report(options, bundle, plan, solo, song, played)
    return GenerateResult(
        song.midi,
        solo.melody,
        tuple(solo.bars),
        solo.chosen.edits,
        song.qpm,
        report,
        tuple(song.parts),
    )
