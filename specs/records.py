"""What every registry entry declares besides its parameters, in one record beside its code: how people read its
name, where its documentation is, and where it stands in every list of its kind. A kind of entry extends it with
what only it has (an optimizer's equations and palette family, a landscape's measured costs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """label: the name people read ("Adam+CM", "Goldstein-Price"); docs: its section, as a path from the project's
    root and a heading's anchor ("docs/optimizers.md#adam-adam"); rank: its place in every list of its kind (menus,
    `cmx optimizers`, the app's "add optimizer"), lowest first, one entry per rank."""

    label: str
    docs: str
    rank: int
