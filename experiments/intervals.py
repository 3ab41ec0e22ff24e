"""Confidence intervals for shares: the Wilson score interval of a binomial proportion."""

from __future__ import annotations

import math

from scipy.special import ndtri

CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion, exactly 0 (1) at its end when k = 0 (k = n).

    scipy.stats.binomtest(k, n).proportion_ci(method="wilson")'s arithmetic (Newcombe 1998), operation for operation,
    so the bounds are scipy's bit for bit; written out because importing scipy.stats costs `cmx escape` 0.4 s.
    """
    if not 0 <= successes <= trials or trials < 1:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1 (got {successes}, {trials})")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1) (got {confidence})")
    k, n = int(successes), int(trials)
    p = k / n
    z = ndtri(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    return 0.0 if k == 0 else float(center - delta), 1.0 if k == n else float(center + delta)
