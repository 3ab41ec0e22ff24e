"""A one-line progress bar on the terminal (stderr), shown only for work that lasts longer than a second."""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

WIDTH = 30


class ProgressBar:
    """Call it with the fraction done (0..1), as a sweep's `progress` callback; close it (or use `with`) when done.

    Nothing is drawn before `delay` seconds have passed or when the stream is not a terminal (pipes and files stay
    clean); closing erases the bar, so the table printed next starts on a clean line.
    """

    def __init__(self, label: str, stream: TextIO | None = None, delay: float = 1.0, enabled: bool | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled if enabled is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.drawn = False

    def __call__(self, fraction: float) -> None:
        elapsed = self.clock() - self.started
        if not self.enabled or elapsed < self.delay:
            return
        fraction = min(max(float(fraction), 0.0), 1.0)
        filled = int(round(fraction * WIDTH))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {fraction:4.0%} {elapsed:5.1f}s")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
