"""A one-line training progress report with a rate and an ETA (no dependency, not tqdm).

On a terminal the line updates in place (carriage return, at most ten redraws a second);
when the output is a file or a pipe (CI logs, ``| tee``) it prints one full line every
tenth of the run instead, so logs stay short and readable::

    train 150/400 [##########....]  38% loss 0.2130 | 52.1 it/s, 0:02 elapsed, 0:05 left

Use it as a context manager so the final line is always printed::

    with Progress(steps, "train") as progress:
        for step in range(1, steps + 1):
            loss = ...
            progress.update(step, loss=loss)

Metrics are keyword arguments: floats print with four decimals, strings as given (so
``acc=f"{acc:.1%}"`` shows a percentage). ``write(text)`` prints a message (a sample,
a table row) without breaking the updating line.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def format_duration(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss`` from an hour on); ``?`` when unknown."""
    if seconds != seconds or seconds == float("inf"):  # NaN or unbounded
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _format_metric(name: str, value: Any) -> str:
    if isinstance(value, str):
        return f"{name} {value}"
    return f"{name} {float(value):.4f}"


class Progress:
    """Progress of ``total`` steps, labelled ``desc``, written to ``stream`` (stdout).

    ``lines`` (default: ten) is how many full lines a non-terminal stream receives over
    the run; ``tty`` overrides the terminal detection (the tests use it).
    """

    width = 28  # characters in the bar

    def __init__(
        self,
        total: int,
        desc: str = "",
        *,
        stream: TextIO | None = None,
        lines: int = 10,
        tty: bool | None = None,
    ) -> None:
        if total < 1:
            raise ValueError(f"Progress: total must be at least 1, got {total}")
        self.total = int(total)
        self.desc = desc
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty()) if tty is None else tty
        self.every = max(1, self.total // max(1, lines))
        self.start = time.perf_counter()
        self.step = 0
        self.metrics: dict[str, Any] = {}
        self._last_draw = -1.0
        self._drawn = ""  # the line currently on the terminal (TTY mode)
        self._closed = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def line(self) -> str:
        """The current report: count, bar, percentage, metrics, rate, elapsed, remaining."""
        elapsed = self.elapsed
        rate = self.step / elapsed if elapsed > 0 else float("nan")
        remaining = (self.total - self.step) / rate if self.step else float("nan")
        done = int(self.width * self.step / self.total)
        bar = "#" * done + "." * (self.width - done)
        digits = len(str(self.total))
        head = f"{self.desc} " if self.desc else ""
        metrics = "".join(f" {_format_metric(k, v)}" for k, v in self.metrics.items())
        return (
            f"{head}{self.step:>{digits}}/{self.total} [{bar}] "
            f"{self.step / self.total:4.0%}{metrics} | {rate:.1f} it/s, "
            f"{format_duration(elapsed)} elapsed, {format_duration(remaining)} left"
        )

    def update(self, step: int | None = None, **metrics: Any) -> None:
        """Record that ``step`` steps are done (default: one more) and the latest metrics."""
        self.step = self.step + 1 if step is None else int(step)
        self.metrics.update(metrics)
        if self.tty:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1 or self.step >= self.total:
                self._last_draw = now
                self._redraw()
        elif self.step % self.every == 0 or self.step == self.total:
            print(self.line(), file=self.stream, flush=True)

    def set(self, **metrics: Any) -> None:
        """Record metrics without counting a step (shown with the next line)."""
        self.metrics.update(metrics)

    def write(self, text: str) -> None:
        """Print ``text`` on its own lines, keeping the progress line below it."""
        if self.tty and self._drawn:
            self.stream.write("\r" + " " * len(self._drawn) + "\r")
            print(text, file=self.stream)
            self._redraw()
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        """End the updating line (the last state stays visible); idempotent."""
        if self._closed:
            return
        self._closed = True
        if self.tty:
            self._redraw()
            self.stream.write("\n")
            self.stream.flush()
        elif self.step % self.every != 0 and self.step != self.total:
            print(self.line(), file=self.stream, flush=True)  # stopped early: say where

    def _redraw(self) -> None:
        text = self.line()
        pad = " " * max(0, len(self._drawn) - len(text))  # wipe a longer previous line
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._drawn = text
