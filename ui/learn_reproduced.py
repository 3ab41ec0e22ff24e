"""The Learn page's "Reproduced" section: published results the engine reproduces, each with the published value,
ours, the tolerance and the command that measures it again (experiments.reproduced.RESULTS; docs/reproduced.md has
the derivations and figures). All text is static: nothing a user typed is shown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from experiments.reproduced import RESULTS
from ui import literal

COLUMNS = {"result": "Result", "claim": "What is compared", "published": "Published", "ours": "Ours (measured)",
           "tolerance": "Tolerance", "holds": "Holds", "command": "Command"}
INTRO = ("Six results others published, measured with this project's engine: optimal rates of momentum, edges of "
         "stability, Kramers' law for noisy gradient descent, Hessian-shaped noise (Xie et al.), where optimizers end "
         "along a valley of minima, and the critical-momenta paper's toy surfaces. Each row is a test "
         "(tests/test_reproduced.py); the command measures it again. Where ours differs from the published value, "
         "the row says so. Derivations, sources and figures: docs/reproduced.md.")


def reproduced_rows() -> list[dict[str, str]]:
    """One dict a row of RESULTS, keyed by COLUMNS' labels, with the source under the claim."""
    return [{COLUMNS["result"]: row.result, COLUMNS["claim"]: f"{row.claim} — {row.source}",
             COLUMNS["published"]: row.published, COLUMNS["ours"]: row.ours, COLUMNS["tolerance"]: row.tolerance,
             COLUMNS["holds"]: "yes" if row.holds else "no", COLUMNS["command"]: row.command}
            for row in RESULTS]


def reproduced_section() -> None:
    """Render the section: a heading, what it is, and the table."""
    st.subheader("Reproduced")
    literal.paragraph(INTRO)
    st.dataframe(pd.DataFrame(reproduced_rows(), columns=list(COLUMNS.values())), hide_index=True,
                 key="learn.reproduced_table")
