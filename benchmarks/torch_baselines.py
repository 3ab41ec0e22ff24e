"""The two PyTorch baselines: one optimizer per run stepped in a Python loop, and one Adam over all runs at once.

`torch_loop` is what the authors' reference implementation forces (their Adam_CM is a torch.optim.Optimizer over
one parameter tensor, here one run); `torch_batched` is what a skilled PyTorch user writes for the elementwise
optimizers: one torch.optim.Adam over an (N, d) tensor, the ascent step of SAM normalised per row. Both take
gradients by autograd, as PyTorch code does. tests/test_benchmarks.py checks they take exactly cmx's steps, and
with `torch_optim_steps` that cmx's optimizers written after torch.optim take its steps.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def ackley(X: torch.Tensor) -> torch.Tensor:
    d = X.shape[1]
    s = torch.sqrt((X * X).sum(dim=1) / d)
    c = torch.cos(2 * math.pi * X).sum(dim=1) / d
    return -20 * torch.exp(-0.2 * s) - torch.exp(c) + math.e + 20


def goldstein_price(X: torch.Tensor) -> torch.Tensor:
    x, y = X[:, 0], X[:, 1]
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


def quadratic(A: np.ndarray, c: np.ndarray):
    """½ (x-c)ᵀ A (x-c) per row."""
    A_t, c_t = torch.from_numpy(A), torch.from_numpy(c)

    def f(X: torch.Tensor) -> torch.Tensor:
        D = X - c_t
        return 0.5 * ((D @ A_t) * D).sum(dim=1)

    return f


def quadratic_basins(centres: np.ndarray, hessians: np.ndarray, depths: np.ndarray, tau: float):
    """-tau log Σ_k exp(-q_k / tau), q_k = depth_k + ½ (x-c_k)ᵀ A_k (x-c_k), per row (two_basin, random_basins)."""
    C, A, depth = (torch.from_numpy(a) for a in (centres, hessians, depths))

    def f(X: torch.Tensor) -> torch.Tensor:
        D = X[:, None, :] - C
        q = depth + 0.5 * torch.einsum("nkd,kde,nke->nk", D, A, D)
        return -tau * torch.logsumexp(-q / tau, dim=1)

    return f


class AdamCM(torch.optim.Optimizer):
    """Adam with critical momenta over parameters that form one run (the authors' arithmetic, docs/optimizers.md).

    Like the authors' Adam_CM: the buffer is a small tensor of priorities and one of stored momenta, with a running
    sum of the stored momenta; the priority is the norm of the whole gradient.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 top_c: int = 5, decay: float = 0.7):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "top_c": top_c, "decay": decay})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            params = [p for p in group["params"] if p.grad is not None]
            g_norm = torch.sqrt(sum(torch.sum(p.grad * p.grad) for p in params))
            for p in params:
                state = self.state[p]
                grad = p.grad
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                    state["priorities"] = torch.zeros(group["top_c"], dtype=p.dtype)
                    state["vectors"] = torch.zeros(group["top_c"], *p.shape, dtype=p.dtype)
                    state["total"] = grad.clone()
                    state["priorities"][0] = g_norm
                    state["vectors"][0] = grad
                    state["size"] = 1
                    aggregate = torch.zeros_like(p)
                else:
                    m = state["m"]
                    m.mul_(b1).add_(grad, alpha=1 - b1)
                    aggregate = m + state["total"] / state["size"]
                    size, priorities, vectors = state["size"], state["priorities"], state["vectors"]
                    if size < group["top_c"]:
                        slot = size
                        state["size"] = size + 1
                    else:
                        slot = int(torch.argmin(priorities))
                        if not g_norm > priorities[slot]:
                            slot = None
                        else:
                            state["total"].sub_(vectors[slot])
                    if slot is not None:
                        priorities[slot] = g_norm
                        vectors[slot] = m
                        state["total"].add_(m)
                state["step"] += 1
                t = state["step"]
                state["v"].mul_(b2).addcmul_(aggregate, aggregate, value=1 - b2)
                denom = (state["v"].sqrt() / math.sqrt(1 - b2**t)).add_(group["eps"])
                p.addcdiv_(aggregate, denom, value=-group["lr"] / (1 - b1**t))
                state["priorities"].mul_(group["decay"])


def _sam_gradient(param: torch.Tensor, f, rho: float, per_row: bool) -> None:
    """Replace param.grad (taken at param) by the gradient at param + rho g / (||g|| + 1e-12), param unchanged."""
    with torch.no_grad():
        g = param.grad
        norm = g.norm(dim=1, keepdim=True) if per_row else g.norm()
        e = g * (rho / (norm + 1e-12))
        param.add_(e)
    param.grad = None
    f(param).sum().backward()
    with torch.no_grad():
        param.sub_(e)


def torch_loop(optimizer: str, f, starts: np.ndarray, steps: int, lr: float, rho: float = 0.05) -> np.ndarray:
    """Final points (N, d): every run alone, with its own optimizer, one after another in a Python loop."""
    finals = []
    for start in starts:
        x = torch.nn.Parameter(torch.tensor(start[None, :]))
        opt = AdamCM([x], lr=lr) if optimizer in ("adam_cm", "adam_sam_cm") else torch.optim.Adam([x], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            f(x).sum().backward()
            if optimizer in ("adam_sam", "adam_sam_cm"):
                _sam_gradient(x, f, rho, per_row=False)
            opt.step()
        finals.append(x.detach().numpy()[0])
    return np.array(finals)


# torch.optim.Adam's implementations; the benchmark times each and keeps the fastest.
ADAM_IMPLEMENTATIONS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def torch_batched(optimizer: str, f, starts: np.ndarray, steps: int, lr: float, rho: float = 0.05,
                  implementation: str = "for-loop") -> np.ndarray:
    """Final points (N, d): one torch.optim.Adam over all runs as one (N, d) tensor (adam and adam_sam only)."""
    x = torch.nn.Parameter(torch.tensor(starts))
    opt = torch.optim.Adam([x], lr=lr, **ADAM_IMPLEMENTATIONS[implementation])
    for _ in range(steps):
        opt.zero_grad()
        f(x).sum().backward()
        if optimizer == "adam_sam":
            _sam_gradient(x, f, rho, per_row=True)
        opt.step()
    return x.detach().numpy().copy()


def torch_optim_steps(optimizer: str, settings: dict, gradient, starts: np.ndarray, steps: int,
                      scheduler=None) -> np.ndarray:
    """Final points (N, d) of torch.optim.<optimizer>(**settings) over all runs as one (N, d) tensor, fed `gradient`
    (a landscape's own, (N, d) -> (N, d)), so that only the optimizers' arithmetic can differ; in float64 as torch's
    default dtype, which its scalar state (NAdam's product of momentum coefficients) follows. `scheduler(opt)`, if
    given, builds a torch.optim.lr_scheduler, stepped after every step."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        x = torch.nn.Parameter(torch.tensor(starts, dtype=torch.float64))
        opt = getattr(torch.optim, optimizer)([x], **settings)
        schedule = scheduler(opt) if scheduler is not None else None
        for _ in range(steps):
            x.grad = torch.from_numpy(gradient(x.detach().numpy()))
            opt.step()
            if schedule is not None:
                schedule.step()
        return x.detach().numpy().copy()
    finally:
        torch.set_default_dtype(previous)
