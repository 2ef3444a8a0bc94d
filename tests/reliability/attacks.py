"""Helpers of the reliability suite: hostile inputs built in memory, a runner that bounds a
command's time and measures its memory, small file systems (tmpfs) for full-disk and
read-only cases.

- `run_bounded(args)`: `python -m jazzgen ARGS` in a subprocess, killed after `timeout`
  seconds; returns the exit code, output, seconds and peak memory (ru_maxrss of that child).
- `one_line_error(err)`: the `Error: ...` line when `err` is exactly one such line.
- `tmpfs(folder, size)`: mount a small tmpfs (root only; skips the test with the reason
  otherwise); `fill(folder)` fills it; `read_only(folder)` remounts it read-only.
- Builders: `long_note_midi()`, `zip_bomb_mxl()`, `abc_tune(bars)`, `npy_header_only()`.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TIME_BOUND = 10.0  # seconds any case may take (the acceptance)
MEMORY_BOUND_MB = 1024  # peak memory any case may use


@dataclass(frozen=True)
class Outcome:
    """What a bounded run did."""

    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float


def run_bounded(
    args: list[str],
    *,
    timeout: float = 30.0,
    env: dict | None = None,
    prefix: list[str] | None = None,
) -> Outcome:
    """Run `python -m jazzgen ARGS` (after `prefix`, e.g. a command that changes the user);
    kill it (and its children) after `timeout` seconds."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    environment.update(env or {})
    report = tempfile.NamedTemporaryFile(prefix="jazzgen-hwm-", delete=False)  # noqa: SIM115
    report.close()
    os.chmod(report.name, 0o666)  # a child run as another user writes it too
    environment["JAZZGEN_TEST_HWM"] = report.name
    proc = subprocess.Popen(
        [*(prefix or []), sys.executable, "-c", _REPORTING_MAIN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,
    )
    chunks: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda n=name, s=stream: chunks.update({n: s.read()}))
        for name, stream in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
    start = time.monotonic()
    timer.start()
    peak = _PeakMemory(proc.pid)
    peak.start()
    _, status, _usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    timer.cancel()
    peak.done.set()
    peak.join()
    with contextlib.suppress(OSError, ValueError):
        peak.mb = max(peak.mb, int(Path(report.name).read_text() or 0) / 1024)
    os.unlink(report.name)
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Outcome(
        proc.returncode,
        chunks.get("out", b"").decode(errors="replace"),
        chunks.get("err", b"").decode(errors="replace"),
        seconds,
        peak.mb,
    )


# `python -m jazzgen ARGS` that writes its peak resident memory (VmHWM, kB) at exit to the
# file named by $JAZZGEN_TEST_HWM (a killed run writes nothing: the polled value stays).
_REPORTING_MAIN = """
import atexit, os, runpy, sys
def _report():
    with open("/proc/self/status") as status, open(os.environ["JAZZGEN_TEST_HWM"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_report)
sys.argv = ["jazzgen", *sys.argv[1:]]
runpy.run_module("jazzgen", run_name="__main__", alter_sys=True)
"""


class _PeakMemory(threading.Thread):
    """The child's peak resident memory (VmHWM of /proc/PID/status), read every 20 ms.

    Not `ru_maxrss`: Linux carries the parent's resident size at fork across exec into the
    child's, so a test process that has grown past 1 GB would make every child look so.
    VmHWM belongs to the memory of the program the child runs now (after exec)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = f"/proc/{pid}/status"
        self.done = threading.Event()
        self.mb = 0.0

    def run(self) -> None:
        while True:
            try:
                with open(self.path) as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.mb = max(self.mb, int(line.split()[1]) / 1024)
            except (OSError, ValueError):
                pass
            if self.done.wait(0.02):
                return


def one_line_error(err: str) -> str:
    """`err` when it is exactly one line `Error: ...` (no traceback); fails the test else."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err[-3000:]
    assert "Traceback" not in err
    return lines[0]


def assert_bounded(outcome: Outcome) -> None:
    """The run was quick and small enough (the issue's acceptance)."""
    assert outcome.seconds < TIME_BOUND, f"took {outcome.seconds:.1f} s"
    assert outcome.max_rss_mb < MEMORY_BOUND_MB, f"used {outcome.max_rss_mb:.0f} MB"


# --- small file systems ---------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (made if missing), unmounted afterwards.

    Skips the test (with the reason) when not root or when mounting is not possible here.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (full-disk and read-only cases)")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    """Fill the file system of `folder` up to its last byte (a file named `filler`)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        block = b"\0" * 65536
        while True:
            try:
                os.write(fd, block)
            except OSError:
                if len(block) == 1:
                    break
                block = block[: len(block) // 2]
    finally:
        os.close(fd)


def read_only(folder: Path) -> None:
    """Remount the tmpfs on `folder` read-only."""
    done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")


# --- hostile inputs ---------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def long_note_midi() -> bytes:
    """A MIDI file of one note 268,435,455 ticks long (the longest delta time there is)."""
    header = _chunk(
        b"MThd", (0).to_bytes(2, "big") + (1).to_bytes(2, "big") + (480).to_bytes(2, "big")
    )
    events = b"\x00\xff\x03\x04Solo"  # track name
    events += b"\x00\xff\x51\x03\x07\xa1\x20"  # 120 qpm
    events += b"\x00\xc0\x41" + b"\x00\x90\x3c\x64"  # alto sax, note on
    events += b"\xff\xff\xff\x7f\x80\x3c\x40"  # note off 268M ticks later
    events += b"\x00\xff\x2f\x00"
    return header + _chunk(b"MTrk", events)


def zip_bomb_mxl(unpacked_mb: int = 200) -> bytes:
    """An .mxl archive whose score unpacks to `unpacked_mb` MB of XML (a few hundred KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml", "<container/>")
        with archive.open("score.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><score-partwise>')
            block = b"<!-- " + b"x" * (1024 * 1024 - 9) + b" -->"
            for _ in range(unpacked_mb):
                member.write(block)
            member.write(b"</score-partwise>")
    return buffer.getvalue()


def abc_tune(bars: int, meter: str = "4/4") -> str:
    """An ABC lead sheet of `bars` bars, chord symbols on each bar."""
    cells = ['"Dm7"d2 f2 a2 c2', '"G7"B2 d2 f2 a2', '"Cmaj7"e2 g2 b2 g2', '"A7"^c2 e2 g2 e2']
    body = " | ".join(cells[i % 4] for i in range(bars))
    return f"X:1\nT:Attack\nM:{meter}\nL:1/8\nQ:1/4=120\nK:C\n{body} |]\n"


def npy_header_only(shape: tuple[int, ...]) -> bytes:
    """The header of a float32 .npy array of `shape`, and no data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()
