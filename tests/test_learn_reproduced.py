"""The Learn page's "Reproduced" section (ui/learn_reproduced.py), without a Streamlit app: its rows are complete and
the section shows every one of them."""

from __future__ import annotations

from experiments.reproduced import RESULTS
from ui import learn_reproduced


def test_every_row_has_published_ours_tolerance_and_command():
    rows = learn_reproduced.reproduced_rows()
    assert len(rows) == len(RESULTS) >= 6
    for row in rows:
        assert list(row) == list(learn_reproduced.COLUMNS.values())
        for column in ("Published", "Ours (measured)", "Tolerance", "Command"):
            assert row[column].strip(), f"{row['Result']}: no {column}"
        assert row["Command"].startswith("cmx reproduce ")
    assert {row["Result"][:2] for row in rows} == {"1.", "2.", "3.", "4.", "5.", "6."}


def test_the_section_shows_the_heading_the_text_and_every_row(monkeypatch):
    shown = []

    class Recorder:
        def subheader(self, text, **kwargs):
            shown.append(("subheader", text))

        def dataframe(self, frame, **kwargs):
            shown.append(("dataframe", frame))

    monkeypatch.setattr(learn_reproduced, "st", Recorder())
    monkeypatch.setattr(learn_reproduced.literal, "paragraph", lambda text: shown.append(("paragraph", text)))
    learn_reproduced.reproduced_section()
    assert shown[:2] == [("subheader", "Reproduced"), ("paragraph", learn_reproduced.INTRO)]
    kind, frame = shown[-1]
    assert kind == "dataframe" and len(frame) == len(RESULTS)
    assert list(frame["Command"]) == [row.command for row in RESULTS]
