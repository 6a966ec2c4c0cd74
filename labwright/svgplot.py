"""Small inline-SVG charts for self-contained HTML reports (no JavaScript, no external files).

A chart is a fixed-size SVG with a plot area, linear axes with rounded ticks, and layers drawn
in order: bands (filled min-max areas), lines (optionally stepped), markers (circles, crosses)
and horizontal reference lines, plus a legend. Values that are None are gaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass
class Series:
    label: str
    xs: list[float]
    ys: list[float | None]
    color: str = PALETTE[0]
    kind: str = "line"  # line | step | points | crosses
    dashed: bool = False
    width: float = 2.0


@dataclass
class Band:
    label: str
    xs: list[float]
    low: list[float | None]
    high: list[float | None]
    color: str = "#7f7f7f"


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    width: int = 560
    height: int = 320
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    hlines: list[tuple[float, str, str]] = field(default_factory=list)  # (y, label, color)
    y_ticks_text: dict[float, str] | None = None  # categorical axes: tick value -> label
    element_id: str = ""


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks, t = [round(start, 10)], start
    while t < hi - 1e-9 * step:  # the last tick is at or above the largest value
        t += step
        ticks.append(round(t, 10))
    return ticks


def tag(name: str, text: str | None = None, **attrs: object) -> str:
    """One SVG element; attribute names use '_' for '-' (``stroke_width`` -> ``stroke-width``)."""
    shown = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{escape(f"{v:.1f}" if isinstance(v, float) else str(v))}"'
        for k, v in attrs.items()
    )
    return f"<{name} {shown}/>" if text is None else f"<{name} {shown}>{escape(text)}</{name}>"


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 or abs(v) < 0.01:
        return f"{v:.2g}"
    return f"{v:.4g}"


def render(chart: Chart) -> str:
    left, right, top, bottom = 64, 16, 30, 46
    legend_h = 18 * (len(chart.series) + len(chart.bands) + len(chart.hlines)) + 8
    w, h = chart.width, chart.height + legend_h
    pw, ph = w - left - right, chart.height - top - bottom
    xs = [x for s in chart.series for x in s.xs] + [x for b in chart.bands for x in b.xs]
    ys = [y for s in chart.series for y in s.ys if y is not None]
    ys += [y for b in chart.bands for y in (*b.low, *b.high) if y is not None]
    ys += [y for y, _, _ in chart.hlines]
    x_ticks = nice_ticks(min(xs, default=0.0), max(xs, default=1.0))
    if chart.y_ticks_text:
        y_ticks = sorted(chart.y_ticks_text)
        y_lo, y_hi = min(y_ticks) - 0.5, max(y_ticks) + 0.5
    else:
        y_ticks = nice_ticks(min(ys, default=0.0), max(ys, default=1.0))
        y_lo, y_hi = y_ticks[0], y_ticks[-1]
    x_lo, x_hi = x_ticks[0], x_ticks[-1]

    def px(x: float) -> float:
        return left + (x - x_lo) / ((x_hi - x_lo) or 1.0) * pw

    def py(y: float) -> float:
        return top + ph - (y - y_lo) / ((y_hi - y_lo) or 1.0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart.element_id)}" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(chart.title)}">',
        tag("rect", x=0, y=0, width=w, height=h, fill="#ffffff"),
        tag("text", chart.title, x=w / 2, y=18, text_anchor="middle", font_size=14, font_weight="bold"),
        tag("rect", class_="plot-area", x=left, y=top, width=pw, height=ph, fill="#fafafa", stroke="#999"),
    ]
    for t in x_ticks:
        out.append(tag("line", x1=px(t), y1=top + ph, x2=px(t), y2=top + ph + 4, stroke="#666"))
        out.append(tag("text", _fmt(t), x=px(t), y=top + ph + 16, text_anchor="middle", font_size=11))
    for t in y_ticks:
        label = chart.y_ticks_text.get(t, _fmt(t)) if chart.y_ticks_text else _fmt(t)
        out.append(tag("line", x1=left, y1=py(t), x2=left + pw, y2=py(t), stroke="#e4e4e4"))
        out.append(tag("text", label, x=left - 6, y=py(t) + 4, text_anchor="end", font_size=11))
    out.append(
        tag("text", chart.x_label, x=left + pw / 2, y=top + ph + 34, text_anchor="middle", font_size=12)
    )
    out.append(
        tag(
            "text",
            chart.y_label,
            x=14,
            y=top + ph / 2,
            text_anchor="middle",
            font_size=12,
            transform=f"rotate(-90 14 {top + ph / 2})",
        )
    )
    for b in chart.bands:
        pts = [(x, lo, hi) for x, lo, hi in zip(b.xs, b.low, b.high, strict=True) if None not in (lo, hi)]
        if pts:
            upper = " ".join(f"{px(x):.1f},{py(hi):.1f}" for x, _, hi in pts)  # type: ignore[arg-type]
            lower = " ".join(f"{px(x):.1f},{py(lo):.1f}" for x, lo, _ in reversed(pts))  # type: ignore[arg-type]
            out.append(
                tag("polygon", points=f"{upper} {lower}", fill=b.color, fill_opacity=0.18, stroke="none")
            )
    for y, _, color in chart.hlines:
        out.append(
            tag(
                "line",
                x1=left,
                y1=py(y),
                x2=left + pw,
                y2=py(y),
                stroke=color,
                stroke_dasharray="6 4",
                stroke_width=1.5,
            )
        )
    for s in chart.series:
        out.extend(_series(s, px, py))
    out.extend(_legend(chart, left, chart.height + 4))
    out.append("</svg>")
    return "\n".join(out)


def _series(s: Series, px, py) -> list[str]:  # noqa: ANN001 - the chart's scale functions
    out: list[str] = []
    pts = [(x, y) for x, y in zip(s.xs, s.ys, strict=True) if y is not None]
    if s.kind in ("line", "step") and pts:
        coords: list[tuple[float, float]] = []
        for i, (x, y) in enumerate(pts):
            if s.kind == "step" and i:
                coords.append((x, pts[i - 1][1]))
            coords.append((x, y))
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in coords)
        dash = {"stroke_dasharray": "5 3"} if s.dashed else {}
        out.append(tag("polyline", points=path, fill="none", stroke=s.color, stroke_width=s.width, **dash))
    if s.kind == "points":
        out += [tag("circle", cx=px(x), cy=py(y), r=4, fill=s.color) for x, y in pts]
    if s.kind == "crosses":
        for x, y in pts:
            cx, cy = px(x), py(y)
            out.append(
                f'<path d="M{cx - 4:.1f},{cy - 4:.1f}L{cx + 4:.1f},{cy + 4:.1f}M{cx - 4:.1f},{cy + 4:.1f}'
                f'L{cx + 4:.1f},{cy - 4:.1f}" stroke="{s.color}" stroke-width="2"/>'
            )
    return out


def _legend(chart: Chart, left: float, y0: float) -> list[str]:
    items = [(s.label, s.color, s.kind) for s in chart.series]
    items += [(b.label, b.color, "band") for b in chart.bands]
    items += [(label, color, "hline") for _, label, color in chart.hlines]
    out = []
    for i, (label, color, kind) in enumerate(items):
        x = left
        y = y0 + 18 * i + 10
        if kind == "band":
            out.append(tag("rect", x=x, y=y - 6, width=18, height=10, fill=color, fill_opacity=0.25))
        elif kind in ("points", "crosses"):
            out.append(tag("circle", cx=x + 9, cy=y - 1, r=4, fill=color))
        else:
            dash = {"stroke_dasharray": "6 4"} if kind == "hline" else {}
            out.append(tag("line", x1=x, y1=y - 1, x2=x + 18, y2=y - 1, stroke=color, stroke_width=2, **dash))
        out.append(tag("text", label, x=x + 24, y=y + 3, font_size=11))
    return out
