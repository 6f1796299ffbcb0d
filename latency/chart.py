"""The trend chart: time to first token and time to complete, median and P95, of the last runs, as SVG.

Written by hand (a few dozen SVG elements) rather than with a plotting library: the suite needs no
heavy dependency to draw two panels of two lines.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from latency.stats import COMPLETE, FIRST_TOKEN

RUNS_SHOWN = 30
WIDTH = 960
LEFT, RIGHT = 72, 56
PANEL_HEIGHT = 190
PANEL_TOPS = (104, 364)
HEIGHT = PANEL_TOPS[-1] + PANEL_HEIGHT + 96
MEDIAN_COLOUR = "#1f5fa8"
P95_COLOUR = "#d9730d"
PANELS = ((FIRST_TOKEN, "Time to first token (seconds from sending)"),
          (COMPLETE, "Time to the complete answer (seconds from sending)"))


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10 ** exponent
    nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return float(nice * 10 ** exponent)


def _label(entry: dict[str, Any]) -> str:
    time = str(entry.get("time", ""))
    # 2026-12-01T08:44:02Z -> 12-01 08:44
    return f"{time[5:10]} {time[11:16]}" if len(time) >= 16 else time


def _text(x: float, y: float, text: str, **attributes: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _marker(x: float, y: float, kind: str, colour: str, tooltip: str) -> str:
    title = f"<title>{escape(tooltip)}</title>"
    if kind == "release":
        return (f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{title}</rect>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{title}</circle>'


def _panel(entries: list[dict[str, Any]], figure: str, title: str, top: float) -> list[str]:
    plot_width = WIDTH - LEFT - RIGHT
    medians = [float(entry["figures"][figure]["median"]) for entry in entries]
    p95s = [float(entry["figures"][figure]["p95"]) for entry in entries]
    highest = max([*medians, *p95s, 0.0])
    step = _nice_step(highest * 1.1) if highest > 0 else 0.2
    top_value = step * max(1, math.ceil(highest * 1.1 / step))
    bottom = top + PANEL_HEIGHT

    def y_of(value: float) -> float:
        return bottom - value / top_value * PANEL_HEIGHT

    def x_of(index: int) -> float:
        return LEFT + (index + 0.5) * plot_width / len(entries)

    parts = [_text(LEFT, top - 12, title, font_size="14", font_weight="bold", fill="#222")]
    tick = 0.0
    while tick <= top_value + step / 2:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(_text(LEFT - 8, y + 4, f"{tick:.{max(0, -math.floor(math.log10(step)))}f}",
                           font_size="11", fill="#555", text_anchor="end"))
        tick += step
    parts.append(f'<rect x="{LEFT}" y="{top}" width="{plot_width}" height="{PANEL_HEIGHT}" fill="none" '
                 f'stroke="#999"/>')
    for values, colour, dash in ((medians, MEDIAN_COLOUR, ""), (p95s, P95_COLOUR, ' stroke-dasharray="6 4"')):
        if len(values) > 1:
            points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"{dash}/>')
    for index, entry in enumerate(entries):
        tooltip = (f"run {entry['run_id']} ({entry['kind']}, commit {entry.get('commit') or '?'}, "
                   f"{entry['time']}): median {medians[index]:.3f} s, P95 {p95s[index]:.3f} s")
        parts.append(_marker(x_of(index), y_of(medians[index]), entry["kind"], MEDIAN_COLOUR, tooltip))
        parts.append(_marker(x_of(index), y_of(p95s[index]), entry["kind"], P95_COLOUR, tooltip))
    last = len(entries) - 1
    parts.append(_text(x_of(last) + 7, y_of(p95s[last]) - 6, f"{p95s[last]:.2f} s", font_size="11",
                       fill=P95_COLOUR))
    return parts


def render_svg(entries: list[dict[str, Any]], *, target: str, runs: int = RUNS_SHOWN) -> str:
    """The chart of the last ``runs`` entries (oldest first) of one target."""
    shown = entries[-runs:]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             _text(LEFT, 28, f"Latency of the last {len(shown)} run(s), measured in the browser: {target}",
                   font_size="16", font_weight="bold", fill="#111")]
    legend_y = 54
    parts += [f'<line x1="{LEFT}" y1="{legend_y}" x2="{LEFT + 28}" y2="{legend_y}" stroke="{MEDIAN_COLOUR}" '
              'stroke-width="2"/>', _text(LEFT + 34, legend_y + 4, "median", font_size="12"),
              f'<line x1="{LEFT + 100}" y1="{legend_y}" x2="{LEFT + 128}" y2="{legend_y}" '
              f'stroke="{P95_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>',
              _text(LEFT + 134, legend_y + 4, "P95", font_size="12"),
              _marker(LEFT + 196, legend_y, "nightly", "#555", "nightly run"),
              _text(LEFT + 206, legend_y + 4, "nightly", font_size="12"),
              _marker(LEFT + 276, legend_y, "release", "#555", "release-gate run"),
              _text(LEFT + 286, legend_y + 4, "release gate", font_size="12")]
    if not shown:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, "no run in the latency history yet", font_size="16",
                           fill="#666", text_anchor="middle"))
    else:
        for (figure, title), top in zip(PANELS, PANEL_TOPS, strict=True):
            parts += _panel(shown, figure, title, top)
        plot_width = WIDTH - LEFT - RIGHT
        every = max(1, math.ceil(len(shown) / 15))
        label_y = PANEL_TOPS[-1] + PANEL_HEIGHT + 14
        for index, entry in enumerate(shown):
            if index % every and index != len(shown) - 1:
                continue
            x = LEFT + (index + 0.5) * plot_width / len(shown)
            parts.append(f'<text x="{x:.1f}" y="{label_y}" font-size="11" fill="#444" text-anchor="end" '
                         f'transform="rotate(-35 {x:.1f} {label_y})">{escape(_label(entry))}</text>')
        samples = sorted({int(entry["figures"].get("samples", 0)) for entry in shown})
        note = " (with one sample, median and P95 are the same point)" if samples == [1] else ""
        parts.append(_text(LEFT, HEIGHT - 8, f"one point per run (UTC start time); samples per run: "
                           f"{', '.join(map(str, samples))}{note}; hover a point for its run id and commit",
                           font_size="11", fill="#666"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
