"""Server-side SVG line charts of indicators over time (no JavaScript, no chart library to vendor).

A chart is a plain string of SVG: axes 0–100 %, one polyline per series with its legend, dates of
the first and last point. Inputs are escaped; outputs are deterministic (tests compare them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

COLOURS = ("#206bc4", "#d63939", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#f59f00", "#4263eb")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 44, 150, 16, 28


def line_chart(title: str, series: Mapping[str, Sequence[tuple[date, float]]], *, chart_id: str = "chart") -> str:
    """An SVG line chart of ``series`` (name → [(day, share 0..1)]), titled ``title``."""
    days = sorted({d for points in series.values() for d, _ in points})
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} '
             f'{HEIGHT}" width="100%" style="max-width:{WIDTH}px"><title>{escape(title)}</title>']
    for pct in (0, 25, 50, 75, 100):
        y = TOP + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e6e7e9"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#667382">'
                     f'{pct} %</text>')
    if not days:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" font-size="13" text-anchor="middle" '
                     'fill="#667382">Pas encore de relevé quotidien</text></svg>')
        return "".join(parts)
    first, span = days[0], max((days[-1] - days[0]).days, 1)

    def x(day: date) -> float:
        return LEFT + plot_w * ((day - first).days / span if len(days) > 1 else 0.5)

    for i, (name, points) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        coords = " ".join(f"{x(d):.1f},{TOP + plot_h * (1 - max(0.0, min(1.0, v))):.1f}" for d, v in sorted(points))
        parts.append(f'<polyline class="serie" data-name="{escape(name)}" fill="none" stroke="{colour}" '
                     f'stroke-width="2" points="{coords}"/>')
        y = TOP + 14 * i + 8
        parts.append(f'<rect x="{WIDTH - RIGHT + 10}" y="{y - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{WIDTH - RIGHT + 26}" y="{y + 1}" font-size="11" fill="#1d273b">{escape(name)}</text>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="11" fill="#667382">{first:%d/%m/%Y}</text>'
                 f'<text x="{LEFT + plot_w}" y="{HEIGHT - 8}" font-size="11" text-anchor="end" fill="#667382">'
                 f'{days[-1]:%d/%m/%Y}</text></svg>')
    return "".join(parts)
