"""Escape lab: how often each optimizer leaves the basin its runs start in, swept over one knob: the rates with their
95% Wilson intervals, when the runs leave (each configuration's survival curve: the share still in the basin against
the step), a table for people (the exact CSVs are downloads), and one configuration's first runs in the trajectory
player. "Compare at equal step length" adds the optimizers without a buffer run at the first buffered optimizer's early
step length (experiments.matched) as configurations of their own; on two_basin, the kick law's share out by step 2
stands beside the measured one for the optimizers it covers.

The sweep is computed in the full run, kept in the shared cache under everything that decides it, so a revisit or a
display change never runs it again; the sample player is a fragment, so choosing another configuration reruns only it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from experiments.escape import resolve_basin
from experiments.watch import EARLY_WINDOW
from export.figures import minimum_label
from specs import SpecError
from ui import compute, literal, url_sync
from ui.code_snippets import Code, code_control, escape_code
from ui.optimizer_slots import slot_specs
from ui.pages.escape.charts import (
    PANEL_HEIGHT,
    PANEL_WIDTH,
    curve_png,
    escape_spec,
    kick_boundary,
    phase_specs,
    survival_spec,
)
from ui.pages.escape.controls import controls, put_state
from ui.pages.escape.state import (
    CELL_MEASURES,
    CELLS,
    CELLS_CHOICE,
    CHOICE,
    PAGE,
    PREFIX,
    SURVIVAL_CHOICE,
    EscapeState,
    match_reference,
    read_state,
)
from ui.pages.escape.view import (
    EscapeView,
    compute_view,
    labelled_csv,
    labelled_survival_csv,
    people_table,
    predicts,
    sample_payload,
)
from ui.player_component import player
from ui.session_values import labelled_selectbox
from ui.settings import Settings

LINKS_PART, SAMPLE_PART, SURVIVAL_PART, PHASE_PART = ("escape-links", "escape-sample", "escape-survival",
                                                      "escape-phase")  # the page's fragments, rerun by key
COLUMN_HELP = {
    "escape rate": "runs that ended in another basin, of all runs (a run that diverged never counts as escaped)",
    "95% interval": "the Wilson score interval: where the true escape rate lies with 95% confidence",
    "escaped": "runs that ended in another basin, of the runs made",
    "diverged": "runs that stopped early: the point stopped being finite or left the domain far behind",
    "median escape step": "the first checked step by which half the runs had left the basin (—: fewer than half left)",
    "mean escape step": "the mean step at which runs left, a run still inside at the last step counted there (the "
                        "area under the survival curve; —: no run escaped)",
    "out by step 2": "share of runs out of the basin by step 2 (Kaplan-Meier: a run that stopped early counts until "
                     "it stopped)",
    "out by step 2 (kick law)": "the kick law's prediction of the share out by step 2: the held second step (K2 lr per "
                                "coordinate) from the same start ball, no optimizer run (experiments.theory; —: the "
                                "law covers Adam+CM and Adam+SAM+CM holding their first step, without noise)",
    "lr used": "the learning rate the row ran at; a row at another optimizer's step ran at the lr whose mean step over "
               f"the first {EARLY_WINDOW} steps equals that optimizer's, from the same starts",
    "out by step 10": "share of runs out of the basin by step 10",
    "out by step 100": "share of runs out of the basin by step 100 (—: fewer steps were run)",
    "ended in a flatter basin": "runs that ended in a basin with a smaller largest Hessian eigenvalue",
    "ended at a global minimum": "runs that ended in the basin of a lowest minimum",
    "median final loss": "of the runs that did not stop early",
    "median λmax at the end": "largest Hessian eigenvalue where the runs ended (the sharpness they found)",
    "median distance travelled": "from the start to the end point, of the runs that did not stop early",
    "gradient evaluations": "per run (SAM evaluates two per step)",
}


def _choose_sample() -> None:
    """A configuration chosen for the player: rerun the player and the link (which names it), nothing else."""
    st.session_state[CHOICE] = st.session_state[f"{PREFIX}.sample"]
    st.rerun([LINKS_PART, SAMPLE_PART])


@st.fragment(key=SAMPLE_PART)
def sample_player(state: EscapeState, view: EscapeView, max_work: int) -> None:
    """One configuration's first runs in the trajectory player: its own fragment, so choosing another configuration
    reruns only this part and the link (the sweep is not touched)."""
    key = f"{PREFIX}.sample"
    choice = st.session_state.get(CHOICE)  # checked by controls()
    shown = view.shown_sample(choice)
    if choice is not None and not view.has_sample(choice):
        literal.warning(f"The player shows the default configuration: optimizer {choice[0] + 1} at value "
                        f"{choice[1] + 1} is not in this sweep.")
    st.session_state[key] = shown
    chosen = labelled_selectbox("configuration", view.samples(), key, view.sample_label, shown, "configuration",
                                on_change=_choose_sample,
                                help="the optimizer and swept value whose first runs the player shows")
    try:
        payload = sample_payload(state, view, chosen, max_work)
    except SpecError as error:
        literal.error(error)
        return
    player(payload, key=f"{PREFIX}.player")


def _choose_survival() -> None:
    """A swept value chosen for the survival plot: rerun the plot and the link (which names it), nothing else."""
    st.session_state[SURVIVAL_CHOICE] = st.session_state[f"{PREFIX}.survival"]
    st.rerun([LINKS_PART, SURVIVAL_PART])


@st.fragment(key=SURVIVAL_PART)
def survival_plot(view: EscapeView) -> None:
    """The survival curves at one swept value, chosen beside them: its own fragment, so choosing another value
    reruns only this part and the link."""
    key = f"{PREFIX}.survival"
    choice = st.session_state.get(SURVIVAL_CHOICE)  # checked by controls()
    shown = view.shown_cell(choice)
    if choice is not None and choice != shown:
        literal.warning(f"The survival curves show the default value: value {choice + 1} is not in this sweep.")
    if view.cell_count > 1:
        st.session_state[key] = shown
        shown = labelled_selectbox("survival curves at", list(range(view.cell_count)), key, view.cell_label, shown,
                                   "survival curves at", on_change=_choose_survival,
                                   help="the swept value whose runs' escape times the plot shows")
    st.vega_lite_chart(survival_spec(view, shown), key=f"{PREFIX}.survival_curve", width="stretch")


def _choose_measure() -> None:
    """Another measure for the phase diagram's cells: rerun the diagram and the link (which names it), nothing else."""
    st.session_state[CELLS_CHOICE] = st.session_state[f"{PREFIX}.cells"]
    st.rerun([LINKS_PART, PHASE_PART])


@st.fragment(key=PHASE_PART)
def phase_diagram(state: EscapeState, view: EscapeView) -> None:
    """The phase diagram with its measure chosen beside it: its own fragment, so choosing another measure reruns only
    this part and the link."""
    key = f"{PREFIX}.cells"
    shown = st.session_state.get(CELLS_CHOICE) or CELLS.default
    st.session_state[key] = shown
    measure = st.selectbox("cells show", list(CELL_MEASURES), key=key, format_func=CELL_MEASURES.get,
                           on_change=_choose_measure,
                           help="the escape rate, or when runs left: the median escape step (the first checked step "
                                "by which half had left) or the mean (a run still inside counted at the last step)")
    boundary = kick_boundary(view, state.basin)
    with st.container(horizontal=True, gap="medium"):  # a panel per optimizer, wrapping to the next line as needed
        for k, spec in enumerate(phase_specs(view, measure, boundary)):
            st.vega_lite_chart(spec, key=f"{PREFIX}.phase.{k}", width=PANEL_WIDTH, height=PANEL_HEIGHT)
    if boundary:
        literal.caption("Dashed: the kick law's boundary. Above that lr, Adam+CM's held second step (K2 lr per "
                        "coordinate) carries a run from next to the minimum past the basin's nearest edge in two "
                        "steps (experiments.theory.kick_escape_lr).")


def summary(state: EscapeState) -> str:
    surface = compute.landscape(state.landscape_spec)
    index = resolve_basin(surface, state.basin)
    budget = "gradient evaluations each (SAM takes half as many steps)" if state.equalise else "steps each"
    return (f"{state.runs} runs per configuration start inside basin #{index} {minimum_label(surface, index)}, the "
            f"same seeded starts (seed {state.seed}) for every optimizer; {state.steps} {budget}.")


@st.fragment(key=LINKS_PART)
def links(state: EscapeState, view: EscapeView) -> None:
    """The link of what is shown (the settings that ran and the configuration the player shows) and the downloads: a
    fragment, rerun with the player's when another configuration is chosen."""
    measure = st.session_state.get(CELLS_CHOICE) or CELLS.default
    params = replace(state, sample=st.session_state.get(CHOICE), survival=st.session_state.get(SURVIVAL_CHOICE),
                     cells=measure).params()
    url_sync.follow_choice(params)
    with st.container(horizontal=True, gap="small"):
        url_sync.copy_link_control(params)
        code_control(state_code(state))
        st.download_button("table CSV", lambda: labelled_csv(view), "escape-rates.csv", "text/csv",
                           icon=":material/download:", key=f"{PREFIX}.csv", on_click="ignore",
                           help="every column of the sweep with exact floats, each row labelled")
        st.download_button("survival CSV", lambda: labelled_survival_csv(view), "escape-survival.csv", "text/csv",
                           icon=":material/download:", key=f"{PREFIX}.survival_csv", on_click="ignore",
                           help="every configuration's share still in the basin at each checked step, with its "
                                "95% band and the runs at risk, exact floats, each row labelled")
        if view.phase:
            st.download_button("figure PNG", lambda: curve_png(view, measure, kick_boundary(view, state.basin)),
                               "escape-phase.png", "image/png", icon=":material/download:", key=f"{PREFIX}.png",
                               on_click="ignore", help=f"the phase diagram of the {CELL_MEASURES[measure]}, a panel "
                                                       "per optimizer, with the kick law's boundary where it applies")
        else:
            st.download_button("figure PNG", lambda: curve_png(view), "escape-curve.png", "image/png",
                               icon=":material/download:", key=f"{PREFIX}.png", on_click="ignore",
                               help="the escape curve, in the same colours and labels")


def state_code(state: EscapeState) -> Code:
    """The command and snippet that run this sweep (the same arguments compute_view gives it)."""
    specs = slot_specs(state.optimizers, {})
    axes = [(field.name, [field.format(v) for v in given]) for field, given in zip(state.knobs(),
                                                                                  state.value_lists())]
    reference = match_reference(state.optimizers) if state.match else None
    return escape_code(state.landscape_spec, specs, axes, state.basin, state.runs, state.steps, state.seed,
                       state.equalise, specs[reference] if reference is not None else None, predicts(state))


HALF_WIDTH = 460  # pixels: two charts side by side on a 1400 px page, one above the other on a narrower one


def when_runs_leave(view: EscapeView) -> None:
    literal.bold("When they leave: the share still in the start basin")
    literal.caption("With its 95% band (Kaplan-Meier: a run that diverged leaves the count where it stopped), checked "
                    "at steps that grow geometrically.")
    survival_plot(view)


def render(settings: Settings) -> None:
    st.title("Escape lab")
    st.caption("Runs start inside one basin; a run escapes when it ends in another basin (a run that diverges never "
               "counts as escaped). Escape rates come with 95% Wilson intervals: error bars, or in a cell's tooltip.")
    shown = url_sync.shown_view(PAGE, *url_sync.synced_state(read_state, put_state, controls),
                                lambda state: compute_view(state, settings.max_work))
    if shown is None:
        return
    state, view = shown
    literal.caption(summary(state))
    links(state, view)
    if view.phase:
        phase_diagram(state, view)
        when_runs_leave(view)
    else:  # how many leave and when: side by side where both fit (the first screen shows both), else one above
        with st.container(horizontal=True, gap="medium"):
            with st.container(width=HALF_WIDTH):
                literal.bold("How many leave: the escape rate")
                st.vega_lite_chart(escape_spec(view), key=f"{PREFIX}.curve", width="stretch")
            with st.container(width=HALF_WIDTH):
                when_runs_leave(view)
    st.dataframe(people_table(view), hide_index=True, key=f"{PREFIX}.table",
                 column_config={name: st.column_config.Column(help=text) for name, text in COLUMN_HELP.items()})
    if view.matched:
        literal.caption(f"A row at another optimizer's step ran at the lr whose mean step over the first "
                        f"{EARLY_WINDOW} steps equals that optimizer's, from the same starts (lr used): what is left "
                        "of the difference in escapes is not the longer steps.")
    st.subheader("Sample trajectories")
    sample_player(state, view, settings.max_work)
