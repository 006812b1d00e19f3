"""Charts and the map of the HTML report, drawn as inline SVG: the report is one file that
opens without a network (no script or map tiles from elsewhere)."""

from __future__ import annotations

import math
from html import escape

from shapely import wkt
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union

from reports.scorecard import format_value

PALETTE = ("#1f4e79", "#70a8d8", "#e07b39", "#5b9e5b", "#b84a4a")
FONT = "font-family: 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"


def _axis_max(values: list[float], whole: bool = True) -> float:
    """A round upper end for a value axis of four equal steps (whole steps for counts)."""
    top = max([v for v in values if v is not None] or [0]) or 1
    magnitude = 10 ** math.floor(math.log10(top / 4))
    steps = [m * magnitude for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)]
    if whole:
        steps = [s for s in steps if s >= 1 and float(s).is_integer()] or [1]
    return 4 * next(s for s in steps if 4 * s >= top)


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list], ...], kind: str = "int") -> str:
    """Vertical bars, one group per label, one bar per series."""
    width, height, left, bottom, top = 640, 300, 56, 70, 34
    plot_w, plot_h = width - left - 12, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    vmax = 1.0 if kind == "rate" else _axis_max(values, kind == "int")
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" style="{FONT}">',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        v = vmax * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{format_value(kind, v)}</text>'
        )
    for gi, label in enumerate(labels):
        x0 = left + gi * group + group * 0.1
        for si, (name, vs) in enumerate(series):
            v = vs[gi]
            if v is None:
                continue
            h = plot_h * float(v) / vmax
            out.append(
                f'<rect x="{x0 + si * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar * 0.92:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(label)} {escape(name)}: '
                f"{format_value(kind, v)}</title></rect>"
            )
        cx = left + gi * group + group / 2
        out.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 12}" font-size="10" text-anchor="end" '
            f'transform="rotate(-40 {cx:.1f} {top + plot_h + 12})">{escape(label)}</text>'
        )
    if len(series) > 1:
        for si, (name, _) in enumerate(series):
            x = left + si * 120
            out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{PALETTE[si]}"/>')
            out.append(f'<text x="{x + 14}" y="{height - 5}" font-size="11">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def hbar_chart(title: str, labels: list[str], values: list, kind: str = "score") -> str:
    """Horizontal bars, one per label (a ranking)."""
    row, left, width = 20, 230, 640
    height = 40 + row * max(len(labels), 5)  # a short ranking keeps the box of five rows
    vmax = 100.0 if kind == "score" else _axis_max(values, kind == "int")
    plot_w = width - left - 60
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" style="{FONT}">',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = 30 + i * row
        w = plot_w * float(v or 0) / vmax
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="11">{escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{PALETTE[0]}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="11">{format_value(kind, v)}</text>')
    out.append("</svg>")
    return "".join(out)


def line_chart(title: str, labels: list[str], values: list[int]) -> str:
    """A line over the days of the month."""
    width, height, left, bottom, top = 640, 240, 56, 40, 34
    plot_w, plot_h = width - left - 16, height - top - bottom
    vmax = _axis_max(values)
    step = plot_w / max(len(labels) - 1, 1)
    points = [(left + i * step, top + plot_h - plot_h * v / vmax) for i, v in enumerate(values)]
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" style="{FONT}">',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{width - 16}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{vmax * i / 4:,.0f}</text>')
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for i, ((x, y), label, v) in enumerate(zip(points, labels, values, strict=True)):
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"><title>{label}: {v:,}</title></circle>'
        )
        if i % 5 == 0 or i == len(labels) - 1:
            out.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="10">{label}</text>')
    out.append("</svg>")
    return "".join(out)


# --- the map ----------------------------------------------------------------------------
class Projection:
    """Longitude/latitude (WGS-84) to SVG units: equirectangular, scaled at the middle
    latitude, which is exact enough for a city (Kaifeng spans about one degree)."""

    def __init__(self, bounds: tuple[float, float, float, float], width: float = 900) -> None:
        self.west, self.south, self.east, self.north = bounds
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        self.scale = width / max((self.east - self.west) * self.kx, 1e-9)
        self.width = width
        self.height = (self.north - self.south) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale


def _rings(geom) -> list:
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    out = []
    for p in polys:
        out.append(p.exterior.coords)
        out.extend(r.coords for r in p.interiors)
    return out


def svg_path(geom, project: Projection) -> str:
    parts = []
    for ring in _rings(geom):
        pts = [project(x, y) for x, y in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def map_shapes(grids: list[tuple[str, str, str]], tolerance: float = 0.0004) -> dict[str, dict[str, object]]:
    """Grid and township shapes from the grid polygons [(grid_code, township_code, WKT)]:
    townships are the union of their grids. Simplified to about 40 m, below what a screen
    shows at city scale."""
    shapes = {code: wkt.loads(text) for code, _, text in grids}
    by_township: dict[str, list] = {}
    for code, township, _ in grids:
        by_township.setdefault(township, []).append(shapes[code])
    townships = {t: unary_union(parts) for t, parts in by_township.items()}
    return {
        "grid": {c: g.simplify(tolerance, preserve_topology=True) for c, g in shapes.items()},
        "township": {t: g.simplify(tolerance, preserve_topology=True) for t, g in townships.items()},
    }


def map_svg(shapes: dict[str, dict[str, object]], names: dict[str, dict[str, str]]) -> str:
    """The map: one layer per area kind, each area a path with its code; the page's script
    colours them by the chosen indicator."""
    every = [g for layer in shapes.values() for g in layer.values()]
    if not every:
        return '<svg id="map" viewBox="0 0 900 200"><text x="450" y="100" text-anchor="middle">无网格数据</text></svg>'
    project = Projection(unary_union(every).bounds)
    out = [
        f'<svg id="map" viewBox="-5 -5 {project.width + 10:.0f} {project.height + 10:.0f}" role="img" '
        f'aria-label="地图" style="{FONT}">'
    ]
    for layer, areas in shapes.items():
        hidden = ' style="display:none"' if layer == "grid" else ""
        stroke = "0.2" if layer == "grid" else "0.8"
        out.append(f'<g class="layer" data-layer="{layer}"{hidden} stroke="#fff" stroke-width="{stroke}">')
        for code in sorted(areas):
            label = escape(f"{names[layer].get(code, '')} {code}".strip())
            out.append(
                f'<path data-code="{escape(code)}" fill="#ccc" fill-rule="evenodd" d="{svg_path(areas[code], project)}">'
                f"<title>{label}</title></path>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
