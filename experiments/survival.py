"""Escape times as survival data: the share of runs still in their start basin at step t, S(t), with 95% bands.

A run's event is its escape: the first checked step at which it is out of its start basin. A run that never leaves
is censored at the last step; one that stops early (diverged, or an undefined gradient) is censored where it
stopped: it leaves the risk set then, counted neither as escaped nor as staying. S is the Kaplan-Meier estimate on
the steps where membership was checked; its interval is Greenwood's variance on the log(-log S) scale (the usual
choice: it stays inside [0, 1]); where S is exactly 1, the Wilson interval of the runs at risk; where the last runs at
risk all leave (S falls to 0), S just before times the Wilson upper bound of those runs, which then holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from experiments.intervals import CONFIDENCE, wilson_interval

NO_EVENT = -1


@dataclass(frozen=True)
class Survival:
    """S(t) at the checked steps: the estimate, its 95% band, and the runs still at risk there."""

    steps: np.ndarray  # (K,) checked steps, ascending
    survival: np.ndarray  # (K,) S(t): the share still in the start basin
    low: np.ndarray  # (K,)
    high: np.ndarray  # (K,)
    at_risk: np.ndarray  # (K,) runs in the basin and running just before t

    def at(self, step: int) -> float:
        """S at `step` (the last checked step at or before it; 1 before the first)."""
        index = np.searchsorted(self.steps, step, side="right") - 1
        return 1.0 if index < 0 else float(self.survival[index])

    def share_out(self, step: int) -> float:
        return 1.0 - self.at(step)

    def restricted_mean(self, horizon: int) -> float:
        """The mean escape step with every escape later than `horizon` counted at `horizon` (the restricted mean
        survival time, the area under S from 0 to the horizon): a mean that censored runs cannot make infinite."""
        edges = np.concatenate([[0], self.steps[self.steps < horizon], [horizon]])
        heights = np.concatenate([[1.0], self.survival[self.steps < horizon]])
        return float(np.sum(heights * np.diff(edges)))

    def median_escape_step(self) -> float:
        """The first checked step where S <= 1/2 (nan when at least half the runs never leave)."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.steps[below[0]]) if below.size else math.nan


def kaplan_meier(exit_steps: np.ndarray, stop_steps: np.ndarray, checks: np.ndarray,
                 confidence: float = CONFIDENCE) -> Survival:
    """S(t) at `checks` (ascending steps) from each run's escape step (NO_EVENT if it never left) and stop step
    (NO_EVENT if it ran every step; a run that stopped before leaving is censored there)."""
    exit_steps, stop_steps = np.asarray(exit_steps), np.asarray(stop_steps)
    checks = np.asarray(checks)
    escaped = exit_steps != NO_EVENT
    stopped = ~escaped & (stop_steps != NO_EVENT)
    # at risk just before t: neither escaped nor stopped before t
    leaves_at = np.where(escaped, exit_steps, np.where(stopped, stop_steps, np.iinfo(np.int64).max))
    order = np.sort(leaves_at)
    at_risk = len(leaves_at) - np.searchsorted(order, checks, side="left")
    events = np.bincount(np.searchsorted(checks, exit_steps[escaped]), minlength=len(checks))[: len(checks)]
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
        survival = np.cumprod(factors)
        greenwood = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
    z = float(ndtri(0.5 + confidence / 2))
    low, high = np.empty(len(checks)), np.empty(len(checks))
    for k, (s, variance, n) in enumerate(zip(survival, greenwood, at_risk)):
        if 0.0 < s < 1.0:
            spread = z * math.sqrt(variance) / abs(math.log(s))
            low[k], high[k] = s ** math.exp(spread), s ** math.exp(-spread)
        elif s == 1.0:  # no event yet: the binomial interval of the runs at risk
            runs = max(int(n), int(at_risk[max(k - 1, 0)]), 1)
            low[k], high[k] = wilson_interval(runs, runs, confidence)
        elif k > 0 and survival[k - 1] == 0.0:  # nobody left to leave: the band stays where it closed
            low[k], high[k] = 0.0, high[k - 1]
        else:  # the last runs at risk all left at this step: S before it times their binomial upper bound
            before, before_high = (survival[k - 1], high[k - 1]) if k > 0 else (1.0, 1.0)
            low[k], high[k] = 0.0, min(before_high, before * wilson_interval(0, max(int(n), 1), confidence)[1])
    return Survival(checks, survival, low, high, at_risk)


def late_escape(exit_steps: np.ndarray, stop_steps: np.ndarray, after: int, confidence: float = CONFIDENCE
                ) -> tuple[int, int, float, float, float]:
    """Escape counted only among the runs still in their basin (and running) at step `after`: (escaped later,
    runs counted, rate, low, high). A run that stops after `after` without leaving is not counted."""
    exit_steps, stop_steps = np.asarray(exit_steps), np.asarray(stop_steps)
    still_in = ((exit_steps == NO_EVENT) | (exit_steps > after)) & ((stop_steps == NO_EVENT) | (stop_steps > after))
    escaped = still_in & (exit_steps != NO_EVENT)
    counted = escaped | (still_in & (stop_steps == NO_EVENT))
    n, k = int(counted.sum()), int(escaped.sum())
    low, high = wilson_interval(k, n, confidence) if n else (math.nan, math.nan)
    return k, n, (k / n if n else math.nan), low, high
