"""Plots of a case's series (power, current, voltage against setpoints and limits) as inline SVG.

One figure per case, one panel per unit (W, A, V, then any other), time in seconds from the case's
start. Measured values are solid lines, setpoints step lines (a setpoint holds until the next one),
limits dashed. Each line is cut to at most :data:`MAX_POINTS` points before matplotlib sees it: a
one-hour trace at 10 Hz would otherwise make a slow, multi-megabyte SVG.

matplotlib is used without pyplot: a :class:`~matplotlib.figure.Figure` drawn straight to SVG never
selects or starts a GUI backend, so the writers run headless without ``matplotlib.use("Agg")``
changing global state for the caller. Text stays text (``svg.fonttype = "none"``: no glyph paths
embedded) and each figure gets its own ``svg.hashsalt`` so the ids of several SVGs in one HTML page
never collide.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np

from hilbench.report.record import Case, Series

MAX_POINTS = 2000
UNIT_ORDER = ("W", "VA", "var", "A", "V")
QUANTITY = {"W": "power", "kW": "power", "VA": "apparent power", "var": "reactive power", "A": "current", "V": "voltage", "Hz": "frequency", "Wh": "energy"}
#: Line colours by series kind (cycled within a kind); the report's screenshot test looks for them.
COLOURS = {
    "measured": ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b"),
    "setpoint": ("#ff7f0e", "#bcbd22"),
    "limit": ("#d62728", "#e377c2"),
    "curve": ("#17becf", "#7f7f7f"),
}
PANEL_HEIGHT_IN = 1.9
WIDTH_IN = 8.0


def case_plot(case: Case) -> str | None:
    """The case's series as one ``<svg>`` element, or None when it has none with data."""
    series = [s for s in case.series if len(s.t_ns)]
    if not series:
        return None
    # Imported here: matplotlib costs a few hundred ms to import, and a record without series (or
    # the JUnit writer alone) should not pay for it.
    import matplotlib
    from matplotlib.figure import Figure

    units = sorted({s.unit for s in series}, key=lambda u: (UNIT_ORDER.index(u) if u in UNIT_ORDER else 9, u))
    t0 = case.t0_ns if case.t0_ns is not None else int(min(int(s.t_ns.min()) for s in series))
    rc: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": f"hilbench-{case.id}", "font.size": 8,
          "axes.titlesize": 9, "legend.fontsize": 7, "path.simplify": True}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=(WIDTH_IN, 0.45 + PANEL_HEIGHT_IN * len(units)))
        axes = fig.subplots(len(units), 1, sharex=True, squeeze=False)[:, 0]
        for ax, unit in zip(axes, units):
            _panel(ax, [s for s in series if s.unit == unit], unit, t0)
        axes[-1].set_xlabel("time since the case started (s)")
        fig.subplots_adjust(left=0.09, right=0.74, top=1 - 0.3 / fig.get_figheight(),
                            bottom=0.42 / fig.get_figheight(), hspace=0.35)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    return _drop_unused_ids(svg[svg.index("<svg"):])


def _drop_unused_ids(svg: str) -> str:
    """Without the ids nothing refers to (matplotlib numbers its groups ``figure_1``, ``axes_1``, ...
    in every figure, so two plots in one page would repeat them); the referenced ones are hashed
    with the figure's salt and stay."""
    used = set(re.findall(r"#([A-Za-z_][\w.-]*)", svg))
    return re.sub(r'\sid="([^"]*)"', lambda m: m.group(0) if m.group(1) in used else "", svg)


def _panel(ax: Any, series: list[Series], unit: str, t0: int) -> None:
    used = {kind: 0 for kind in COLOURS}
    for s in series:
        colours = COLOURS[s.kind]
        colour = colours[used[s.kind] % len(colours)]
        used[s.kind] += 1
        t, v = decimate(s.t_ns, s.values, MAX_POINTS, step=s.kind != "measured")
        x = (t - t0) / 1e9
        label = _label(f"{s.name} ({s.kind})" if s.kind != "measured" else s.name)
        if s.kind in ("setpoint", "curve"):  # a curve's value at the measured grid, held per step
            ax.plot(x, v, drawstyle="steps-post", color=colour, linewidth=1.6, label=label)
        elif s.kind == "limit":
            ax.plot(x, v, drawstyle="steps-post", color=colour, linewidth=1.2, linestyle="--", label=label)
        else:
            ax.plot(x, v, color=colour, linewidth=1.2, label=label)
    quantity = QUANTITY.get(unit, "value")
    ax.set_title(quantity, loc="left")
    ax.set_ylabel(_label(f"{quantity} ({unit})" if unit else quantity))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _label(text: str) -> str:
    """A label matplotlib shows as written: no mathtext from ``$``, not hidden for a leading ``_``."""
    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def decimate(t_ns: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS,
             step: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points that look like the whole line.

    A step line (setpoint, limit) first keeps only the points where its value changes. What is still
    too long is cut into ``max_points // 2`` buckets, each giving its lowest and its highest point in
    time order, so a short spike stays visible (unlike taking every n-th point). NaN gaps stay gaps.
    """
    t = np.asarray(t_ns)
    v = np.asarray(values, dtype=np.float64)
    if step and len(v) > 2:
        same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
        keep = np.concatenate(([True], ~same))
        keep[-1] = True  # the last point, so the step runs to the end
        t, v = t[keep], v[keep]
    if len(v) <= max_points:
        return t, v
    buckets = max(1, max_points // 2)
    size = -(-len(v) // buckets)
    pad = buckets * size - len(v)
    low = np.concatenate((np.where(np.isnan(v), np.inf, v), np.full(pad, np.inf))).reshape(buckets, size)
    high = np.concatenate((np.where(np.isnan(v), -np.inf, v), np.full(pad, -np.inf))).reshape(buckets, size)
    base = np.arange(buckets)[:, None] * size
    pair = np.sort(np.stack((low.argmin(axis=1), high.argmax(axis=1)), axis=1), axis=1) + base
    idx = pair.ravel()
    idx = idx[idx < len(v)]
    if len(idx) > 1:
        idx = idx[np.concatenate(([True], idx[1:] != idx[:-1]))]
    return t[idx], v[idx]
