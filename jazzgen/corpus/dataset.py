"""Training windows: token ids per piece, the train/validation split, and tf.data pipelines.

A *segment* is a run of consecutive tokens that a window may cover: one piece, or the train
(or validation) bar range of a single piece. Windows cross bar lines but never segments,
so they never cross pieces nor the train/validation split.

A window is Tx + 1 consecutive tokens starting at `s`:
- X (input "tokens")  = one-hot of tokens s .. s+Tx-1, shape (Tx, n_values);
- Y (target)          = ids of tokens s+1 .. s+Tx, shape (Tx,): step t predicts token t+1;
- C (input "chords")  = `chord_features` of the chord sounding at the onset of tokens
  s+1 .. s+Tx, shape (Tx, CHORD_FEATURES): at step t the model already knows the chord of
  the position it is about to fill (the token it predicts), as the decoder will at
  generation time;
- K (input "context") = `core.context.context_features` of the onsets of tokens s+1 ..
  s+Tx, shape (Tx, CONTEXT_FEATURES): where in the beat, bar and form the predicted token
  starts, the next chord and the time until it (positions count from the piece's start,
  so a validation part or a cut segment keeps the positions it has in its piece);
- P (input "pitch")   = `core.pitch_context.pitch_features` of the last pitch sounding
  before tokens s+1 .. s+Tx, over their chords, around the piece's median pitch, shape
  (Tx, PITCH_FEATURES) (all "no pitch yet" for a corpus without pitches).

Long silences: with `max_rest_bars` > 0 a run of more than that many all-rest bars (a
part that sits out) ends a segment (`cut_silences`), so no window teaches that silence
follows silence; `Split.silence` counts what was cut.

Memory: the pipelines keep one flat int32 token array, one float32 chord-feature array and
uint8 context and pitch arrays (one row per token) and gather windows per batch, so memory grows
with the number of tokens, not with windows x Tx x n_values. Windows are only materialised
one batch at a time (and one-hot encoded there).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.context import (
    CONTEXT_FEATURES,
    BarFrame,
    context_features,
    form_positions,
    offset_steps,
)
from jazzgen.core.errors import ConfigError, CorpusError
from jazzgen.core.harmony import CHORD_FEATURES, Chord, chord_features
from jazzgen.core.pitch_context import (
    PITCH_FEATURES,
    chord_roots,
    line_centre,
    pitch_features,
    previous_pitches,
)
from jazzgen.core.style import Style
from jazzgen.core.timeline import Timeline
from jazzgen.core.types import TimeSignature
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.tokens.grammar import line_style
from jazzgen.tokens.vocab import Vocab

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Segment:
    """Consecutive tokens a window may span. `ids` (n,) int32, `chords` (n, 24) float32,
    `context` (n, CONTEXT_FEATURES) uint8 (`core.context`), `pitch` (n, PITCH_FEATURES)
    uint8 (`core.pitch_context`): row k is the input that comes with the prediction of
    token k (the features of token k's onset)."""

    source: str
    ids: np.ndarray
    chords: np.ndarray
    context: np.ndarray
    pitch: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def part(self, start: int, end: int) -> Segment:
        """Tokens `start .. end - 1` as a segment of their own."""
        return Segment(
            self.source,
            self.ids[start:end],
            self.chords[start:end],
            self.context[start:end],
            self.pitch[start:end],
        )

    def with_context_width(self, width: int) -> Segment:
        """The segment with the first `width` context columns (a model without the tempo
        takes `core.context.BASE_CONTEXT_FEATURES`)."""
        return replace(self, context=self.context[:, :width])


@dataclass(frozen=True)
class SilenceCut:
    """What `cut_silences` left out: `runs` of more than `max_rest_bars` all-rest bars, the
    `bars` beyond that many in them, and the `tokens` no longer predicted (targets)."""

    max_rest_bars: int = 0
    runs: int = 0
    bars: int = 0
    tokens: int = 0

    def __add__(self, other: SilenceCut) -> SilenceCut:
        return SilenceCut(
            max(self.max_rest_bars, other.max_rest_bars),
            self.runs + other.runs,
            self.bars + other.bars,
            self.tokens + other.tokens,
        )


@dataclass(frozen=True)
class Split:
    """Train and validation segments plus a human-readable description of the split."""

    train: tuple[Segment, ...]
    val: tuple[Segment, ...]
    method: str  # "pieces", "performers", "bars" or "none"
    warnings: tuple[str, ...] = field(default=())
    silence: SilenceCut = field(default=SilenceCut())  # over both parts

    def with_context_width(self, width: int) -> Split:
        """Both parts with the first `width` context columns (`Segment.with_context_width`)."""
        return replace(
            self,
            train=tuple(s.with_context_width(width) for s in self.train),
            val=tuple(s.with_context_width(width) for s in self.val),
        )

    @property
    def train_tokens(self) -> int:
        return sum(len(s) for s in self.train)

    @property
    def val_tokens(self) -> int:
        return sum(len(s) for s in self.val)


def token_chords(bar: PieceBar) -> list[Chord | None]:
    """The chord sounding at each token's onset (the last chord starting at or before it;
    the bar's first chord before that); None for every token of a bar without chords."""
    if not bar.chords:
        return [None] * len(bar.tokens)
    chords = Timeline((offset, chord) for chord, offset in bar.chords)
    result: list[Chord | None] = []
    onset_steps = 0
    for token in bar.tokens:
        result.append(chords.at(onset_steps / GRID_STEPS_PER_QUARTER))
        onset_steps += token.duration
    return result


def piece_frames(bars: Sequence[PieceBar], time_signature: TimeSignature) -> list[BarFrame]:
    """The `core.context` frames of consecutive corpus bars (`time_signature`: the piece's,
    for bars that carry none); form positions from the bars' `form`, else counted."""
    positions = form_positions([bar.form for bar in bars])
    return [
        BarFrame(
            (bar.time_signature or time_signature).bar_steps,
            tuple((chord, offset_steps(offset)) for chord, offset in bar.chords),
            form_bar,
        )
        for bar, form_bar in zip(bars, positions, strict=True)
    ]


def encode_segment(
    bars: Sequence[PieceBar],
    vocab: Vocab,
    source: str,
    time_signature: TimeSignature = TimeSignature(4, 4),
    *,
    qpm: float,
    style: Style,
) -> Segment:
    """Token ids, per-token chord features, context and pitch input of consecutive bars
    of a piece at `qpm` in `style` (context form positions counted from the first of them
    unless the bars carry their own; the pitch input's centre is the median pitch of these
    bars)."""
    ids: list[int] = []
    feats: list[tuple[float, ...]] = []
    bar_index: list[int] = []
    steps: list[int] = []
    at: list[Chord | None] = []
    pitches: list[int | None] = []
    zero = (0.0,) * CHORD_FEATURES
    for b, bar in enumerate(bars):
        onset = 0
        bar_pitches = bar.pitches or (None,) * len(bar.tokens)
        for token, chord, sounding in zip(bar.tokens, token_chords(bar), bar_pitches, strict=True):
            ids.append(vocab.id_of(token))
            feats.append(zero if chord is None else chord_features(chord))
            at.append(chord)
            pitches.append(sounding)
            bar_index.append(b)
            steps.append(onset)
            onset += token.duration
    chords = np.asarray(feats, dtype=np.float32).reshape(len(ids), CHORD_FEATURES)
    context = context_features(
        piece_frames(bars, time_signature), np.asarray(bar_index), np.asarray(steps), qpm, style
    )
    pitch = pitch_features(previous_pitches(pitches), chord_roots(at), line_centre(pitches))
    return Segment(source, np.asarray(ids, dtype=np.int32), chords, context, pitch)


def piece_style(piece: Piece) -> Style:
    """The style (`core.style`) of a whole piece: all its bars' tokens at its tempo."""
    return line_style((t for bar in piece.bars for t in bar.tokens), piece.qpm)


def rest_runs(bars: Sequence[PieceBar]) -> list[tuple[int, int]]:
    """(first, end) bar indices of every run of consecutive all-rest bars (bars whose tokens
    are all rests)."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, bar in enumerate([*bars, None]):
        silent = bar is not None and bool(bar.tokens) and all(t.is_rest for t in bar.tokens)
        if silent and start is None:
            start = i
        elif not silent and start is not None:
            runs.append((start, i))
            start = None
    return runs


def cut_silences(
    segment: Segment, bars: Sequence[PieceBar], max_rest_bars: int
) -> tuple[list[Segment], SilenceCut]:
    """`segment` (the tokens of `bars`) cut where the part sits out for long.

    A run of more than `max_rest_bars` (>= 1) all-rest bars ends the segment after its
    first `max_rest_bars` bars, and a new segment starts with the run's last bar: windows
    never show silence following that much silence (a part that sits out for bars would
    teach that silence follows silence), yet the model still learns how playing starts
    again after a rest bar. `max_rest_bars` 0: nothing is cut. Empty segments are dropped.
    """
    if max_rest_bars <= 0:
        return [segment], SilenceCut()
    offsets = np.concatenate([[0], np.cumsum([len(b.tokens) for b in bars])]).tolist()
    pieces: list[Segment] = []
    start = 0
    runs = cut_bars = 0
    for first, end in rest_runs(bars):
        if end - first <= max_rest_bars:
            continue
        runs += 1
        cut_bars += end - first - max_rest_bars
        pieces.append(segment.part(start, offsets[first + max_rest_bars]))
        start = offsets[end - 1]
    pieces.append(segment.part(start, len(segment)))
    kept = [p for p in pieces if len(p)]
    targets = sum(len(p) - 1 for p in kept)
    cut = SilenceCut(max_rest_bars, runs, cut_bars, max(len(segment) - 1, 0) - targets)
    return kept, cut


def notes_per_bar(pieces: Sequence[Piece], max_rest_bars: int = 0) -> float:
    """Mean notes per bar of `pieces`, the bars that `cut_silences` leaves out not counted:
    how busy the training data plays (`generate` calls a solo far below it degenerate)."""
    notes = bars = 0
    for piece in pieces:
        notes += sum(not t.is_rest for b in piece.bars for t in b.tokens)
        bars += len(piece.bars)
        if max_rest_bars > 0:
            bars -= sum(max(0, end - first - max_rest_bars) for first, end in rest_runs(piece.bars))
    return notes / bars if bars else 0.0


SPLIT_BY = ("piece", "performer")
"""What `split_pieces` holds out whole: pieces, or every piece of a performer."""


def _held_out_pieces(
    pieces: Sequence[Piece], val_fraction: float, seed: int, by: str
) -> tuple[set[int], str, list[str]]:
    """Indices of the held-out pieces (2 or more pieces), the method and warnings.

    By piece: `max(1, round(n * val_fraction))` pieces (at most n - 1) of a permutation
    seeded with `seed`. By performer: performers, in a seeded permutation, until at least
    that many pieces are held out, never every performer; a piece without a performer is a
    group of its own. With fewer than two performers the split falls back to pieces.
    """
    n_val = min(len(pieces) - 1, max(1, round(len(pieces) * val_fraction)))
    rng = np.random.default_rng(seed)
    warnings: list[str] = []
    if by == "performer":
        groups: dict[str, list[int]] = {}
        for i, piece in enumerate(pieces):
            groups.setdefault(piece.performer or f"source:{piece.source}", []).append(i)
        if len(groups) >= 2:
            names = sorted(groups)
            held: set[int] = set()
            for k in rng.permutation(len(names))[: len(names) - 1].tolist():
                if len(held) >= n_val:
                    break
                held.update(groups[names[k]])
            return held, "performers", warnings
        warnings.append("fewer than two performers: validation split by piece instead")
    return set(rng.permutation(len(pieces))[:n_val].tolist()), "pieces", warnings


Unit = tuple[int, int, int]
"""Bars `first .. end - 1` of piece number `index`: (index, first, end)."""


@dataclass(frozen=True)
class _Encoded:
    """A piece encoded whole (its context counts from its own first bar) and the token
    offset of each bar (then the total)."""

    piece: Piece
    whole: Segment
    offsets: list[int]

    @classmethod
    def of(cls, piece: Piece, vocab: Vocab) -> _Encoded:
        whole = encode_segment(
            piece.bars, vocab, piece.source, piece.time_signature,
            qpm=piece.qpm, style=piece_style(piece),
        )  # fmt: skip
        offsets = np.concatenate([[0], np.cumsum([len(b.tokens) for b in piece.bars])])
        return cls(piece, whole, [int(o) for o in offsets])

    def segments(
        self, first: int, end: int, max_rest_bars: int
    ) -> tuple[list[Segment], SilenceCut]:
        part = self.whole.part(self.offsets[first], self.offsets[end])
        return cut_silences(part, self.piece.bars[first:end], max_rest_bars)


def _segments(
    encoded: Sequence[_Encoded], units: Sequence[Unit], max_rest_bars: int
) -> tuple[tuple[Segment, ...], SilenceCut]:
    found: list[Segment] = []
    total = SilenceCut(max_rest_bars)
    for index, first, end in units:
        segments, cut = encoded[index].segments(first, end, max_rest_bars)
        found += segments
        total += cut
    return tuple(found), total


def split_pieces(
    pieces: Sequence[Piece],
    vocab: Vocab,
    *,
    val_fraction: float,
    tx: int,
    seed: int = 0,
    by: str = "piece",
    max_rest_bars: int = 0,
) -> Split:
    """Split into train/validation segments and check the training part fits one window.

    Several pieces: whole pieces are held out (`by="piece"`), or whole performers
    (`by="performer"`: every piece of a held-out performer, see `_held_out_pieces`), about
    `val_fraction` of the pieces. One piece: its last `max(1, round(bars *
    val_fraction))` bars are held out. `val_fraction == 0`: no validation. When the
    held-out part has no full window (fewer than Tx + 1 tokens in every validation
    segment) the split falls back to no validation, training on everything, and records
    a warning. Both parts have their long silences cut (`cut_silences` with
    `max_rest_bars`; 0 = none), counted in `Split.silence`.

    Raises CorpusError when the training part has no segment of Tx + 1 tokens; ConfigError
    for an unknown `by`.
    """
    if not pieces:
        raise CorpusError("corpus has no pieces: nothing to train on")
    if by not in SPLIT_BY:
        raise ConfigError(f"split by must be one of {', '.join(SPLIT_BY)}, got {by!r}")
    encoded = [_Encoded.of(p, vocab) for p in pieces]
    train_units, val_units, method, warnings = _held_out(pieces, val_fraction, seed, by)
    train, train_cut = _segments(encoded, train_units, max_rest_bars)
    val, val_cut = _segments(encoded, val_units, max_rest_bars)
    if val and not any(len(s) >= tx + 1 for s in val):
        val_tokens = sum(len(s) for s in val)
        warnings.append(
            f"validation part has {val_tokens} tokens, too few for one window of "
            f"Tx + 1 = {tx + 1}: training without validation on the whole corpus"
        )
        whole = [(i, 0, len(p.bars)) for i, p in enumerate(pieces)]
        (train, silence), val = _segments(encoded, whole, max_rest_bars), ()
        method = "none"
    else:
        silence = train_cut + val_cut
    _check_training_part(pieces, train, tx)
    for w in warnings:
        log.info(w)  # also returned in Split.warnings (metrics.json, CLI)
    return Split(train, val, method, tuple(warnings), silence)


def _check_training_part(pieces: Sequence[Piece], train: Sequence[Segment], tx: int) -> None:
    """CorpusError unless some training segment has Tx + 1 tokens."""
    train_tokens = sum(len(s) for s in train)
    if not any(len(s) >= tx + 1 for s in train):
        longest = max((len(s) for s in train), default=0)
        detail = "" if longest == train_tokens else f" (longest piece {longest})"
        total = sum(p.token_count for p in pieces)
        raise CorpusError(
            f"corpus has {total} tokens; Tx={tx} needs at least {tx + 1} in the training "
            f"part{detail}, which has {train_tokens}: use a smaller --tx or more music"
        )


def _held_out(
    pieces: Sequence[Piece], val_fraction: float, seed: int, by: str
) -> tuple[list[Unit], list[Unit], str, list[str]]:
    """(train units, validation units, method, warnings) before the window check."""
    whole = [(i, 0, len(p.bars)) for i, p in enumerate(pieces)]
    if val_fraction <= 0:
        return whole, [], "none", []
    if len(pieces) >= 2:
        val_index, method, warnings = _held_out_pieces(pieces, val_fraction, seed, by)
        train = [u for u in whole if u[0] not in val_index]
        val = [u for u in whole if u[0] in val_index]
        return train, val, method, warnings
    n_bars = len(pieces[0].bars)
    if n_bars < 2:
        return whole, [], "none", ["one piece of one bar: no validation split possible"]
    n_val = max(1, round(n_bars * val_fraction))
    return [(0, 0, n_bars - n_val)], [(0, n_bars - n_val, n_bars)], "bars", []


@dataclass(frozen=True)
class FlatSegments:
    """Segments concatenated: `ids` (N,), `chords` (N, 24), `context` (N, CONTEXT_FEATURES)
    uint8, `pitch` (N, PITCH_FEATURES) uint8, window `starts` (W,) int64."""

    ids: np.ndarray
    chords: np.ndarray
    starts: np.ndarray
    context: np.ndarray = field(default_factory=lambda: np.zeros((0, CONTEXT_FEATURES), np.uint8))
    pitch: np.ndarray = field(default_factory=lambda: np.zeros((0, PITCH_FEATURES), np.uint8))


def flatten(segments: Sequence[Segment], tx: int) -> FlatSegments:
    """Concatenate segments; a window may start at s when s .. s+Tx lie in one segment."""
    ids, chords, context, pitch, starts = [], [], [], [], []
    offset = 0
    for seg in segments:
        ids.append(seg.ids)
        chords.append(seg.chords)
        context.append(seg.context)
        pitch.append(seg.pitch)
        n_windows = len(seg) - tx
        if n_windows > 0:
            starts.append(offset + np.arange(n_windows, dtype=np.int64))
        offset += len(seg)
    return FlatSegments(
        np.concatenate(ids) if ids else np.zeros(0, np.int32),
        np.concatenate(chords) if chords else np.zeros((0, CHORD_FEATURES), np.float32),
        np.concatenate(starts) if starts else np.zeros(0, np.int64),
        np.concatenate(context) if context else np.zeros((0, CONTEXT_FEATURES), np.uint8),
        np.concatenate(pitch) if pitch else np.zeros((0, PITCH_FEATURES), np.uint8),
    )


def windows_numpy(
    flat: FlatSegments, tx: int, n_values: int, starts: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Materialise windows as numpy (tests, evaluation): ({"tokens", "chords", "context",
    "pitch"}, Y); a model takes the inputs it has (`model_inputs`)."""
    starts = flat.starts if starts is None else starts
    idx = starts[:, None] + np.arange(tx + 1)[None, :]
    w = flat.ids[idx]
    x = np.eye(n_values, dtype=np.float32)[w[:, :-1]]
    inputs = {
        "tokens": x,
        "chords": flat.chords[idx[:, 1:]],
        "context": flat.context[idx[:, 1:]].astype(np.float32),
        "pitch": flat.pitch[idx[:, 1:]].astype(np.float32),
    }
    return inputs, w[:, 1:]


def model_inputs(
    inputs: dict[str, np.ndarray],
    *,
    chord_input: bool,
    context_input: bool,
    pitch_input: bool = False,
) -> dict[str, np.ndarray]:
    """The entries of `windows_numpy`'s inputs that a model with these inputs takes."""
    names = (["tokens"] + ["chords"] * chord_input + ["context"] * context_input) + [
        "pitch"
    ] * pitch_input
    return {name: inputs[name] for name in names}


def epoch_plan(n_windows: int, batch_size: int, steps_per_execution: int) -> tuple[int, int]:
    """(batches per epoch, steps per execution) so that an epoch is whole executions.

    Keras runs `steps_per_execution` batches per call and does not stop mid-call at an
    epoch end, so the number of batches per epoch must be a multiple of it. Up to
    `steps_per_execution` batches of `batch_size`: one call per epoch. Otherwise the
    execution size is chosen in [ceil(spe / 2), spe] to need the fewest batches, and the
    windows are spread evenly over them (batches a little smaller than `batch_size`; never
    empty: at most `n_windows` batches).
    """
    steps = max(1, math.ceil(n_windows / batch_size))
    if steps <= steps_per_execution:
        return steps, steps
    best: tuple[int, int] | None = None
    for size in range(steps_per_execution, math.ceil(steps_per_execution / 2) - 1, -1):
        total = math.ceil(steps / size) * size
        if total <= n_windows and (best is None or total < best[0]):
            best = (total, size)
    if best is None:  # fewer windows than padded batches: the largest exact divisor
        size = max(d for d in range(1, steps_per_execution + 1) if steps % d == 0)
        best = (steps, size)
    return best


def make_dataset(
    flat: FlatSegments,
    *,
    tx: int,
    n_values: int,
    batch_size: int,
    chord_input: bool,
    context_input: bool = False,
    pitch_input: bool = False,
    steps: int | None = None,
    shuffle_seed: int | None = None,
    first_epoch: int = 0,
    epochs: int | None = None,
    windows_per_epoch: int | None = None,
):
    """A tf.data pipeline of ({"tokens": (b, Tx, n_values), ["chords": (b, Tx, 24)],
    ["context": (b, Tx, CONTEXT_FEATURES)], ["pitch": (b, Tx, PITCH_FEATURES)]}, (b, Tx)).

    With `shuffle_seed`, windows are shuffled once per epoch by a stateless permutation of
    (seed, epoch) and the stream covers epochs `first_epoch .. epochs-1` then repeats, so a
    resumed run sees exactly the batches the uninterrupted run would have seen. Each epoch
    is `steps` batches (see `epoch_plan`) of near-equal size covering every window once, or,
    with `windows_per_epoch`, that many windows of the epoch's permutation (a fresh random
    subset each epoch: the course trained on 60 windows per epoch).
    Without a seed the windows come in order, once, in batches of `batch_size`
    (validation/evaluation).
    """
    import tensorflow as tf

    starts = tf.constant(flat.starts, dtype=tf.int64)
    if shuffle_seed is None:
        batches = tf.data.Dataset.from_tensor_slices(starts).batch(batch_size)
    else:
        n = len(flat.starts)
        windows = min(n, windows_per_epoch) if windows_per_epoch else n
        batches = _shuffled_batches(
            starts,
            seed=int(shuffle_seed),
            windows=windows,
            steps=steps or math.ceil(windows / batch_size),
            first_epoch=first_epoch,
            epochs=epochs,
        )
    gather = _window_gather(flat, tx, n_values, (chord_input, context_input, pitch_input))
    return batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def _shuffled_batches(
    starts, *, seed: int, windows: int, steps: int, first_epoch: int, epochs: int | None
):
    """Endless tf.data stream of window-start batches, epoch by epoch from `first_epoch`.

    Epoch e uses the permutation `index_shuffle(seed, e)` of all `starts` and takes its
    first `windows` positions, cut into `steps` batches of near-equal size.
    """
    import tensorflow as tf

    n = int(starts.shape[0])

    def batch_positions(i):
        # batch i of an epoch covers permutation positions [i*windows/steps, (i+1)*windows/steps)
        return tf.range(i * windows // steps, (i + 1) * windows // steps)

    def epoch_batches(epoch):
        def permuted(positions):
            key = tf.stack([tf.constant(seed, tf.int64), epoch])
            perm = tf.random.experimental.index_shuffle(positions, seed=key, max_index=n - 1)
            return tf.gather(starts, perm)

        return tf.data.Dataset.range(steps).map(batch_positions).map(permuted)

    last = 2**31 - 1 if epochs is None else int(epochs)
    ds = tf.data.Dataset.range(first_epoch, max(last, first_epoch + 1))
    return ds.flat_map(epoch_batches).repeat()


def _window_gather(flat: FlatSegments, tx: int, n_values: int, takes: tuple[bool, bool, bool]):
    """A tf function: batch of window starts (b,) -> (inputs, targets) as in `make_dataset`;
    `takes`: whether the model has the chord, context and pitch inputs."""
    import tensorflow as tf

    ids = tf.constant(flat.ids, dtype=tf.int32)
    chords = tf.constant(flat.chords, dtype=tf.float32) if takes[0] else None
    extra = {
        name: tf.constant(array, dtype=tf.uint8)
        for name, array, taken in (
            ("context", flat.context, takes[1]),
            ("pitch", flat.pitch, takes[2]),
        )
        if taken
    }
    offsets = tf.range(tx + 1, dtype=tf.int64)

    def gather(batch_starts):
        idx = batch_starts[:, None] + offsets[None, :]
        window = tf.gather(ids, idx)
        inputs = {"tokens": tf.one_hot(window[:, :-1], n_values, dtype=tf.float32)}
        if chords is not None:
            inputs["chords"] = tf.gather(chords, idx[:, 1:])
        for name, array in extra.items():
            inputs[name] = tf.cast(tf.gather(array, idx[:, 1:]), tf.float32)
        return inputs, window[:, 1:]

    return gather


def synthetic_pieces(n_pieces: int = 2, bars: int = 16, seed: int = 0) -> list[Piece]:
    """Small learnable pieces (a ii-V-I with a noisy repeating motif), for tests/benchmarks."""
    from jazzgen.core.harmony import ChordQuality, NoteType
    from jazzgen.core.types import TimeSignature
    from jazzgen.tokens.grammar import Token

    rng = np.random.default_rng(seed)
    progression = [
        ((Chord(2, ChordQuality.MINOR7), 0.0), (Chord(7, ChordQuality.DOMINANT7), 2.0)),
        ((Chord(0, ChordQuality.MAJOR7), 0.0),),
    ]
    motif = [
        Token(NoteType.CHORD, 6, (-5, 1)),
        Token(NoteType.SCALE, 6, (-1, 5)),
        Token(NoteType.CHORD, 12, (0, 6)),
        Token(NoteType.APPROACH, 6, (-4, 2)),
        Token(NoteType.CHORD, 6, (-2, 4)),
        Token(NoteType.REST, 12),
    ]
    alternatives = [
        Token(NoteType.SCALE, 6, (-3, 3)),
        Token(NoteType.CHORD, 6, (-7, -1)),
        Token(NoteType.OTHER, 6, (-2, 4)),
    ]
    pieces = []
    for p in range(n_pieces):
        piece_bars = []
        for b in range(bars):
            tokens = [
                alternatives[rng.integers(len(alternatives))]
                if t.duration == 6 and rng.random() < 0.2
                else t
                for t in motif
            ]
            if b == 0 and tokens[0].window is not None:
                tokens[0] = Token(tokens[0].type, tokens[0].duration)
            piece_bars.append(PieceBar(progression[b % 2], tuple(tokens)))
        pieces.append(
            Piece(f"synthetic_{p}.mid", f"{p:064x}", TimeSignature(4, 4), 120.0, tuple(piece_bars))
        )
    return pieces
