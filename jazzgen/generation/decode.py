"""Bar-exact constrained decoding of token sequences from an inference engine.

Every bar's token durations sum exactly to the bar length: at each step the next token is
drawn among the ids that fit the bar (generation.bar_fit), with the sampling options'
processors (generation.sampling). When no token fits, the bar is closed with a rest of
exactly the remaining length; that rest is kept in the output even when it is not in the
vocabulary (it is always a valid grammar token) and the model is fed the vocabulary rest of
nearest duration instead. Onset-to-onset durations make overlapping melodic lines
impossible by construction.

A model with a pitch input (`core.pitch_context`) must know, at each step, the last pitch
its line played: such a model decodes with a `PitchFeed`, whose `LineRealizer`s (one per
candidate) realize each note as soon as it is drawn; the realized notes come out with the
tokens (`Decoded.realized`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import BundleError, ConfigError, GenerationError
from jazzgen.core.harmony import NoteType
from jazzgen.core.pitch_context import NO_PITCH, PITCH_FEATURES, pitch_features
from jazzgen.core.types import Bar
from jazzgen.generation.bar_fit import BarFit, VocabTables
from jazzgen.generation.engines import Engine, State
from jazzgen.generation.sampling import AllowedIds, LogitBias, SamplingOptions, sample_ids
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.realize import LineRealizer, Realization
from jazzgen.tokens.vocab import Vocab

MIN_SCORED_PROBABILITY = 1e-30  # floor of a sampled token's probability in the likelihood


@dataclass(frozen=True)
class Decoded:
    """Decoded token bars per candidate, with model log-likelihoods.

    `bars[c][b]` is the token tuple of bar b of candidate c. `log_likelihood[c]` is the sum
    of the model's (unmasked, temperature 1) log-probabilities of the sampled tokens,
    `scored_tokens[c]` how many tokens it covers (forced rests are not scored), and
    `forced_rests[c]` how many bars were closed with a forced rest. `entropy[c]` is the sum,
    over the same steps, of the entropy (nats) of the model's distribution: minus the
    log-likelihood a sample from the model is expected to have there.
    """

    bars: list[list[tuple[Token, ...]]]
    log_likelihood: np.ndarray
    scored_tokens: np.ndarray
    forced_rests: np.ndarray
    entropy: np.ndarray | None = None
    realized: tuple[Realization, ...] | None = None  # with a PitchFeed: each candidate's notes

    def mean_log_likelihood(self) -> np.ndarray:
        return self.log_likelihood / np.maximum(self.scored_tokens, 1)


@dataclass(frozen=True)
class PitchFeed:
    """What a model with a pitch input needs while decoding: the generated `bars` (their
    chords), one `LineRealizer` per candidate (each note is realized as it is drawn) and
    the `centre` of the line's register (`core.pitch_context`)."""

    bars: Sequence[Bar]
    lines: Sequence[LineRealizer]
    centre: float

    def roots(self) -> np.ndarray:
        """(total steps,) the root of the chord at every grid step of the bars."""
        return np.array(
            [
                bar.chord_at(bar.start_beat + step / GRID_STEPS_PER_QUARTER).root
                for bar in self.bars
                for step in range(bar.steps)
            ],
            np.int64,
        )


def takes_pitch(engine: Engine) -> bool:
    return bool(getattr(engine, "pitch_input", False))


def engine_features(
    engine: Engine,
    chords: np.ndarray,
    context: np.ndarray | None = None,
    pitch: np.ndarray | None = None,
) -> np.ndarray:
    """`(n, width)` float32: the rows of `chords (n, 24)`, `context (n, CONTEXT_FEATURES)`
    (its first `engine.context_width` columns: a model without the tempo takes fewer) and
    `pitch (n, PITCH_FEATURES)` that the engine's model takes, in its kernel order. For
    a model with a pitch input, `pitch` None leaves its columns out (decoding adds them as
    it goes, see `PitchFeed`)."""
    parts = []
    if engine.chord_input:
        parts.append(np.asarray(chords, np.float32))
    if getattr(engine, "context_input", False):
        if context is None:
            raise ValueError("the model takes a context input: give the context features")
        parts.append(np.asarray(context, np.float32)[:, : engine.context_width])
    if takes_pitch(engine) and pitch is not None:
        parts.append(np.asarray(pitch, np.float32))
    if not parts:
        return np.zeros((len(chords), 0), np.float32)
    return np.concatenate(parts, axis=1)


def start_token_id(tables: VocabTables, bar_steps: int) -> int:
    """The seed fed before the first generated token: the rest nearest a whole bar (pieces
    in the corpus usually start with a rest or a pickup), any token if there is no rest."""
    return tables.nearest_rest(bar_steps)


@dataclass(frozen=True)
class _BarGrid:
    """The generated bars on the grid: `bar_end[s]` (absolute end step) and `bar_of[s]`
    (bar index) of every absolute step `s` in `0 .. total - 1`."""

    bar_steps: list[int]
    total: int
    bar_end: np.ndarray
    bar_of: np.ndarray

    @classmethod
    def of(cls, bar_steps: Sequence[int]) -> _BarGrid:
        steps = [int(s) for s in bar_steps]
        total = sum(steps)
        if total <= 0:
            raise ConfigError("nothing to generate: 0 bars")
        bar_end = np.repeat(np.cumsum(steps), steps)
        return cls(steps, total, bar_end, np.repeat(np.arange(len(steps)), steps))


@dataclass
class _Progress:
    """What each of the candidates has decoded so far (arrays of length `candidates`)."""

    ids: np.ndarray  # the id fed to the model at the next step
    pos: np.ndarray  # absolute grid step reached
    has_note: np.ndarray  # a note has sounded (windowless first-note tokens are used up)
    loglik: np.ndarray
    scored: np.ndarray
    forced: np.ndarray
    bars: list[list[list[Token]]]  # [candidate][bar] -> tokens
    entropy: np.ndarray

    @classmethod
    def start(cls, candidates: int, first_id: int, has_note: bool, n_bars: int) -> _Progress:
        n = candidates
        return cls(
            np.full(n, first_id),
            np.zeros(n, np.int64),
            np.full(n, bool(has_note)),
            np.zeros(n),
            np.zeros(n, np.int64),
            np.zeros(n, np.int64),
            [[[] for _ in range(n_bars)] for _ in range(n)],
            np.zeros(n),
        )

    def accept(
        self,
        c: int,
        choice: int,
        probs: np.ndarray,
        bar: int,
        remaining: int,
        tables: VocabTables,
        entropy: float = 0.0,
    ) -> None:
        """Append candidate `c`'s token `choice` (-1: close the bar with a forced rest of
        `remaining` steps) to its `bar`; `probs (n_values,)` are the model's for `c`, of
        entropy `entropy`."""
        if choice < 0:
            token = Token(NoteType.REST, int(remaining))
            self.ids[c] = tables.nearest_rest(token.duration)
            self.forced[c] += 1
        else:
            token = tables.tokens[choice]
            self.ids[c] = choice
            self.loglik[c] += float(np.log(max(probs[choice], MIN_SCORED_PROBABILITY)))
            self.entropy[c] += entropy
            self.scored[c] += 1
            if not token.is_rest:
                self.has_note[c] = True
        self.bars[c][bar].append(token)
        self.pos[c] += token.duration

    def decoded(self) -> Decoded:
        bars = [[tuple(b) for b in cand] for cand in self.bars]
        return Decoded(bars, self.loglik, self.scored, self.forced, self.entropy)


class _Decoder:
    """One decoding run: the engine, the bars, their chords and the sampling rules."""

    def __init__(
        self,
        engine: Engine,
        tables: VocabTables,
        grid: _BarGrid,
        features: np.ndarray,
        sampling: SamplingOptions,
        rng: np.random.Generator,
        feed: PitchFeed | None = None,
    ) -> None:
        self.engine, self.tables, self.grid, self.rng = engine, tables, grid, rng
        self.features = features
        self.uses_features = features.shape[1] > 0 or feed is not None
        self.feed = feed
        self.roots = feed.roots() if feed is not None else None
        self.bar_start = np.concatenate([[0], np.cumsum(grid.bar_steps)[:-1]])
        self.bar_fit = BarFit.of(tables, max(grid.bar_steps))
        self.processors = sampling.processors()
        self.greedy = sampling.greedy

    def warm_up(
        self, candidates: int, primer_ids: Sequence[int], primer_features: np.ndarray | None
    ) -> tuple[State, int]:
        """The state after the primer and the first input id (the primer's last token, else
        the start token)."""
        state = self.engine.initial_state(candidates)
        if not len(primer_ids):
            return state, start_token_id(self.tables, self.grid.bar_steps[0])
        # all but the last primer token warm the state; the last one is the first input of
        # the decoding loop (with the features of the first generated onset)
        for k, token_id in enumerate(primer_ids[:-1]):
            ids = np.full(candidates, token_id)
            feat = None
            if self.uses_features:
                row = np.asarray(primer_features, np.float32)[k : k + 1]
                feat = np.repeat(row, candidates, axis=0)
            _, state = self.engine.step(ids, feat, state)
        return state, int(primer_ids[-1])

    def step(self, state: State, progress: _Progress) -> State:
        """Decode one token for every unfinished candidate; return the new state."""
        grid = self.grid
        active = progress.pos < grid.total
        at = np.minimum(progress.pos, grid.total - 1)
        feat = self._step_features(at)
        probs, new_state = self.engine.step(progress.ids, feat, state)
        if not np.isfinite(probs[active]).all():
            raise BundleError(
                "the model gives probabilities that are not numbers (NaN or inf): its "
                "weights are damaged"
            )
        # finished candidates keep their state (their outputs are ignored)
        state = [
            [np.where(active[:, None], ns, s) for ns, s in zip(nl, sl, strict=True)]
            for nl, sl in zip(new_state, state, strict=True)
        ]
        remaining = np.where(active, grid.bar_end[at] - progress.pos, 0)
        allowed = AllowedIds(self.bar_fit.allowed(progress.has_note, remaining))
        choice = sample_ids(probs, self.rng, [allowed, *self.processors], greedy=self.greedy)
        if (active & (choice < 0) & allowed.mask.any(axis=1)).any():
            raise GenerationError(
                "sampling left no token to draw although some fit the bar: raise "
                "--temperature, --top-k or --top-p"
            )
        p = np.asarray(probs, np.float64)
        entropy = -(p * np.log(np.maximum(p, MIN_SCORED_PROBABILITY))).sum(axis=1)
        for c in np.flatnonzero(active):
            bar = int(grid.bar_of[progress.pos[c]])
            step = int(progress.pos[c] - self.bar_start[bar])
            progress.accept(
                int(c),
                int(choice[c]),
                probs[c],
                bar,
                int(remaining[c]),
                self.tables,
                float(entropy[c]),
            )
            if self.feed is not None:
                token = progress.bars[c][bar][-1]
                self.feed.lines[int(c)].add(token, self.feed.bars[bar], step)
        return state

    def _step_features(self, at: np.ndarray) -> np.ndarray | None:
        """The inputs besides the token at absolute steps `at` (one per candidate): the
        fixed ones, then, with a `PitchFeed`, each candidate's pitch input."""
        if not self.uses_features:
            return None
        feat = self.features[at]
        if self.feed is None or self.roots is None:
            return feat
        prev = [
            NO_PITCH if line.prev_pitch is None else line.prev_pitch for line in self.feed.lines
        ]
        pitch = pitch_features(np.array(prev), self.roots[at], self.feed.centre)
        return np.concatenate([feat, pitch.astype(np.float32)], axis=1)


def decode(
    engine: Engine,
    vocab: Vocab,
    bar_steps: Sequence[int],
    features: np.ndarray,
    *,
    rng: np.random.Generator,
    candidates: int = 1,
    sampling: SamplingOptions = SamplingOptions(),
    primer_ids: Sequence[int] = (),
    primer_chord_features: np.ndarray | None = None,
    primer_has_note: bool = False,
    tables: VocabTables | None = None,
    feed: PitchFeed | None = None,
    bias: np.ndarray | None = None,
) -> Decoded:
    """Decode `candidates` solos together, bar-exact, over bars of `bar_steps` grid steps.

    `features (sum(bar_steps), engine.feature_width)`: the model's inputs besides the token
    (`engine_features`: chord features, then context) for an onset at each absolute step
    of the generated bars; an engine without such inputs ignores them (any width).
    `primer_ids` are fed first to warm the state (their `primer_chord_features
    (len(primer_ids), width)` = the features at the onset of the token that follows each;
    the last row is not used: the first generated onset's are); without a primer a rest is
    fed as the start token. The primer's last token is the input that predicts the first
    generated token. `rng` draws one number per candidate and step. A model with a pitch
    input needs a `feed` (its pitch columns are not in `features`, nor in the primer's
    rows, which then must already hold them). `bias (n_values,)` is added to the model's
    log-probabilities before the sampling rules (`generation.calibration`); the scores
    (log-likelihoods, entropies) stay the model's own.
    """
    if candidates < 1:
        raise ConfigError(f"candidates must be >= 1, got {candidates}")
    tables = tables or VocabTables.of(vocab)
    grid = _BarGrid.of(bar_steps)
    feats = np.asarray(features, np.float32).reshape(len(features), -1)
    width = getattr(engine, "feature_width", 0)
    if takes_pitch(engine):
        if feed is None or len(feed.lines) != candidates:
            raise ValueError("a model with a pitch input decodes with a PitchFeed per candidate")
        width -= PITCH_FEATURES
    else:
        feed = None
    if len(feats) != grid.total or (width and feats.shape[1] != width):
        raise ValueError(f"features must be ({grid.total}, {width}), got {feats.shape}")
    if not width:
        feats = feats[:, :0]
    decoder = _Decoder(engine, tables, grid, feats, sampling, rng, feed)
    if bias is not None:
        decoder.processors.insert(0, LogitBias(np.asarray(bias, np.float64)))
    state, first_id = decoder.warm_up(candidates, primer_ids, primer_chord_features)
    progress = _Progress.start(candidates, first_id, primer_has_note, len(grid.bar_steps))
    while (progress.pos < grid.total).any():
        state = decoder.step(state, progress)
    decoded = progress.decoded()
    if feed is None:
        return decoded
    return replace(decoded, realized=tuple(line.realization() for line in feed.lines))
