"""Issue 6's targets, each judged against a measurement: at N = 10,000 runs, and two wall times."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.speed import BATCHED, Speed

TARGET_RUNS = 10_000
VS_TORCH_LOOP = 2000.0  # every optimizer
VS_TORCH_BATCHED = 1.0  # adam and adam_sam
VS_NUMPY_LIMIT = {"adam": 0.67}  # and this for the others:
VS_NUMPY_LIMIT_OTHERS = 0.5
WALL_SECONDS = {"cmx_escape": 3.0, "explorer": 0.5}


@dataclass(frozen=True)
class Verdict:
    what: str
    value: float | None  # None: not measured, which misses the target
    bound: float
    at_least: bool  # True: value >= bound; False: value < bound

    @property
    def met(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.bound if self.at_least else self.value < self.bound

    def line(self) -> str:
        need = f">= {self.bound:g}" if self.at_least else f"< {self.bound:g}"
        value = "not measured" if self.value is None else f"{self.value:.3g}"
        return f"target {self.what} = {value} (need {need}) {'ok' if self.met else 'MISSED'}"


def speed_verdicts(speeds: list[Speed]) -> list[Verdict]:
    verdicts = []
    for s in speeds:
        if s.n_runs != TARGET_RUNS:
            continue
        case = f"{s.optimizer} {s.landscape} {s.n_runs}"
        verdicts.append(Verdict(f"{case} vs_torch_loop", s.ratio("torch_loop"), VS_TORCH_LOOP, True))
        if s.optimizer in BATCHED:
            verdicts.append(Verdict(f"{case} vs_torch_batched", s.ratio("torch_batched"), VS_TORCH_BATCHED, True))
        verdicts.append(Verdict(f"{case} vs_numpy_limit", s.ratio("numpy_limit"),
                                VS_NUMPY_LIMIT.get(s.optimizer, VS_NUMPY_LIMIT_OTHERS), True))
    return verdicts


def wall_verdicts(walls: dict[str, float | None]) -> list[Verdict]:
    return [Verdict(f"wall {name}", walls.get(name), bound, False) for name, bound in WALL_SECONDS.items()]
