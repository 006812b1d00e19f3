"""The monthly scorecard of the service-guarantee centre, as an Excel workbook and an HTML
report drawn from the same figures (`reports.scorecard`)."""

from __future__ import annotations

from pathlib import Path

from reports.drill import write_drill
from reports.html import MAP_INDICATORS, write_html
from reports.scorecard import Scorecard, load_scorecard
from reports.workbook import write_workbook

__all__ = ["MAP_INDICATORS", "Scorecard", "load_scorecard", "scorecard_paths", "write_scorecard"]


def scorecard_paths(out_dir: Path, month: str) -> tuple[Path, Path]:
    """Where a month's workbook and report go: <out_dir>/<YYYY-MM>/scorecard-<YYYY-MM>.xlsx|html."""
    folder = Path(out_dir) / month
    return folder / f"scorecard-{month}.xlsx", folder / f"scorecard-{month}.html"


def write_scorecard(con, month: str, out_dir: Path, indicator: str = "events_reported") -> tuple[Scorecard, Path, Path]:
    """Write `month`'s workbook and HTML report under `out_dir`; (the scorecard, xlsx, html)."""
    card = load_scorecard(con, month)
    xlsx, html = scorecard_paths(out_dir, month)
    write_workbook(card, xlsx)
    data = write_drill(card, html.with_suffix(".data"))
    write_html(card, html, indicator, drill=data.name)
    return card, xlsx, html
