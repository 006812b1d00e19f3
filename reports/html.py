"""The scorecard as one HTML page: the headline figures of the workbook's overview, charts,
and a map of the townships or grids coloured by an indicator chosen on the page.

Self-contained: styles, charts (inline SVG), the map (drawn from the grid polygons of the
warehouse, no map tiles) and a small script that recolours the map, all in the one file.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from connectors.common.atomic import write_text_whole
from connectors.common.timezone import SHANGHAI
from reports.scorecard import Scorecard, format_value
from reports.svg import bar_chart, hbar_chart, line_chart, map_shapes, map_svg

# The indicators the map can show: key, label, kind, and how an area's row gives it.
MAP_INDICATORS = {
    "events_reported": ("上报事件", "int"),
    "close_rate": ("结案率", "rate"),
    "on_time_rate": ("按时办结率", "rate"),
    "alarm_arrival_rate": ("30分钟到场率", "rate"),
    "services_delivered": ("便民服务", "int"),
    "disputes_resolved": ("化解纠纷", "int"),
    "worker_points": ("网格员总积分（乡镇）", "points"),
}


def _ratio(part, whole):
    return None if not whole else round(part / whole, 6)


def indicator_values(row: dict) -> dict[str, float | None]:
    """The map indicators of one area from its scorecard row."""
    points = row.get("worker_points")
    return {
        "events_reported": row["events_reported"],
        "close_rate": _ratio(row["events_closed"], row["events_reported"]),
        "on_time_rate": row["on_time_rate"],
        "alarm_arrival_rate": _ratio(row["alarms_within_30_min"], row["alarms_pushed"]),
        "services_delivered": row["services_delivered"],
        "disputes_resolved": row["disputes_resolved"],
        "worker_points": None if points is None else float(points),
    }


def _rows(card: Scorecard, name: str) -> list[dict]:
    sheet = card.sheets[name]
    keys = [c.key for c in sheet.columns]
    return [dict(zip(keys, r, strict=True)) for r in sheet.rows()]


STYLE = """
body { font-family: 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif; margin: 0; color: #222;
       background: #f4f6f9; }
header { background: #1f4e79; color: #fff; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .85; font-size: 13px; }
main { padding: 16px 28px 40px; max-width: 1400px; }
section { background: #fff; border-radius: 6px; padding: 14px 18px; margin: 14px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 17px; margin: 0 0 10px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.figure { border-left: 4px solid #1f4e79; padding: 6px 10px; background: #f8fafc; }
.figure .label { font-size: 12px; color: #555; }
.figure .value { font-size: 22px; font-weight: bold; }
.figure .note { font-size: 11px; color: #777; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px; }
svg.chart { width: 100%; height: auto; }
#map { width: 100%; max-height: 78vh; background: #eef2f6; }
#map path:hover { stroke: #222; stroke-width: 1.2; }
.controls { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; font-size: 14px; }
#legend { display: flex; gap: 10px; flex-wrap: wrap; font-size: 12px; margin-top: 6px; }
#legend span.swatch { display: inline-block; width: 14px; height: 14px; vertical-align: middle; margin-right: 4px; }
.status { font-size: 13px; }
footer { font-size: 12px; color: #666; padding: 0 28px 24px; }
.tabs button { font: inherit; padding: 4px 12px; border: 1px solid #1f4e79; background: #fff; color: #1f4e79;
               border-radius: 4px; cursor: pointer; }
.tabs button.on { background: #1f4e79; color: #fff; }
table.drill { border-collapse: collapse; width: 100%; font-size: 12px; }
table.drill th { background: #1f4e79; color: #fff; position: sticky; top: 0; cursor: pointer; padding: 4px 6px;
                 white-space: nowrap; }
table.drill td { border-bottom: 1px solid #e5e7eb; padding: 3px 6px; white-space: nowrap; }
table.drill td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.drill td.open { cursor: pointer; color: #1f4e79; width: 1em; }
table.drill tr.detail > td { background: #f3f6fa; padding: 6px 6px 10px 24px; }
#drill-table { max-height: 70vh; overflow: auto; }
@media print { #drill { display: none; } }
"""

# The drill-down (reports/drill.py): its tables load when a tab is first chosen, a row's
# detail when the row is opened, each as a script beside the page.
DRILL_SCRIPT = """
(function () {
  const base = document.getElementById('drill').dataset.base;
  const cache = {}, waiting = {};
  window.__drill = function (name, data) {
    cache[name] = data;
    (waiting[name] || []).forEach(function (f) { f(data); });
    delete waiting[name];
  };
  function load(name, file, done, failed) {
    if (cache[name]) return done(cache[name]);
    (waiting[name] = waiting[name] || []).push(done);
    const s = document.createElement('script');
    s.src = base + file;
    s.onerror = function () { delete waiting[name]; failed(); };
    document.head.appendChild(s);
  }
  function fmt(kind, v) {
    if (v === null || v === undefined) return '—';
    if (kind === 'int') return Number(v).toLocaleString('zh-CN');
    if (kind === 'rate') return (v * 100).toFixed(1) + '%';
    if (kind === 'points') return Number.isInteger(v) ? v.toLocaleString('zh-CN') :
      v.toLocaleString('zh-CN', {minimumFractionDigits: 2, maximumFractionDigits: 2});
    if (kind === 'score') return Number(v).toFixed(2);
    return String(v);
  }
  function table(columns, rows, opener) {
    const t = document.createElement('table');
    t.className = 'drill';
    const head = t.createTHead().insertRow();
    if (opener) head.appendChild(document.createElement('th'));
    columns.forEach(function (c) { const th = document.createElement('th'); th.textContent = c.header; head.appendChild(th); });
    const body = t.createTBody();
    rows.forEach(function (r, i) {
      const tr = body.insertRow();
      if (opener) { const o = tr.insertCell(); o.className = 'open'; o.textContent = '▸'; o.onclick = function () { opener(tr, r, i, o); }; }
      columns.forEach(function (c, j) {
        const td = tr.insertCell();
        td.textContent = fmt(c.kind, r[j]);
        if (['int', 'rate', 'points', 'score'].indexOf(c.kind) >= 0) td.className = 'num';
      });
    });
    return t;
  }
  let index = null, current = 'townships', sortBy = null, ascending = true, shown = 200;
  const holder = document.getElementById('drill-table'), search = document.getElementById('drill-search');
  const count = document.getElementById('drill-count');
  function detail(tr, content) {
    const row = tr.parentNode.insertRow(tr.sectionRowIndex + 1);
    row.className = 'detail';
    const td = row.insertCell();
    td.colSpan = tr.cells.length;
    td.appendChild(content);
  }
  function note(text) { const d = document.createElement('div'); d.textContent = text; return d; }
  function opener(spec) {
    return function (tr, r, i, o) {
      const next = tr.nextElementSibling;
      if (next && next.className === 'detail') { next.remove(); o.textContent = '▸'; return; }
      o.textContent = '▾';
      if (spec.opens === 'grids') {
        const g = index.tables.grids, names = g.columns.map(function (c) { return c.key; });
        const own = spec.columns.map(function (c) { return c.key; });
        const tn = r[own.indexOf('township_name')], cn = r[own.indexOf('county_name')];
        const rows = g.rows.filter(function (x) {
          return x[names.indexOf('township_name')] === tn && x[names.indexOf('county_name')] === cn;
        });
        return detail(tr, table(g.columns, rows, null));
      }
      const file = spec.files[r.__i];
      if (!file) return detail(tr, note('本月没有明细（无任务或积分）'));
      load(current + '/' + file, current + '/' + file + '.js',
        function (data) { detail(tr, table(data.columns, data.rows, null)); },
        function () { detail(tr, note('明细文件未找到')); });
    };
  }
  function render() {
    const spec = index.tables[current];
    const needle = search.value.trim();
    let rows = spec.rows.map(function (r, i) { r.__i = i; return r; });
    if (needle) rows = rows.filter(function (r) { return r.some(function (v) { return v !== null && String(v).indexOf(needle) >= 0; }); });
    if (sortBy !== null) rows = rows.slice().sort(function (a, b) {
      const x = a[sortBy], y = b[sortBy];
      if (x === y) return 0; if (x === null) return 1; if (y === null) return -1;
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    const t = table(spec.columns, rows.slice(0, shown), opener(spec));
    t.tHead.rows[0].querySelectorAll('th').forEach(function (th, j) {
      if (j === 0) return;
      th.onclick = function () { if (sortBy === j - 1) ascending = !ascending; else { sortBy = j - 1; ascending = true; } render(); };
    });
    holder.innerHTML = '';
    holder.appendChild(t);
    count.textContent = rows.length + ' 行' + (rows.length > shown ? '（显示前 ' + shown + ' 行）' : '');
    if (rows.length > shown) {
      const more = document.createElement('button');
      more.textContent = '显示更多'; more.onclick = function () { shown += 500; render(); };
      holder.appendChild(more);
    }
    document.getElementById('drill').dataset.rendered = current;
  }
  function choose(name) {
    document.querySelectorAll('#drill .tabs button').forEach(function (b) { b.classList.toggle('on', b.dataset.table === name); });
    load('index', 'index.js', function (data) { index = data; current = name; sortBy = null; shown = 200; render(); },
      function () { holder.textContent = '明细数据未找到：请将 ' + base + ' 文件夹与本页放在一起'; });
  }
  document.querySelectorAll('#drill .tabs button').forEach(function (b) { b.onclick = function () { choose(b.dataset.table); }; });
  search.addEventListener('input', function () { if (index) { shown = 200; render(); } });
})();
"""

# Colours the map: quantile classes of the chosen indicator over the areas that have it.
SCRIPT = """
(function () {
  const data = JSON.parse(document.getElementById('map-data').textContent);
  const colours = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
  const none = '#d9d9d9';
  const select = document.getElementById('indicator');
  const legend = document.getElementById('legend');
  function fmt(kind, v) {
    if (v === null || v === undefined) return '无数据';
    if (kind === 'rate') return (v * 100).toFixed(1) + '%';
    if (kind === 'points') return v.toLocaleString('zh-CN', {minimumFractionDigits: 2, maximumFractionDigits: 2});
    return Math.round(v).toLocaleString('zh-CN');
  }
  function layerName() {
    return document.querySelector('input[name="layer"]:checked').value;
  }
  function draw() {
    const key = select.value, layer = layerName();
    const kind = data.indicators[key].kind;
    document.querySelectorAll('#map g.layer').forEach(function (g) {
      g.style.display = g.dataset.layer === layer ? '' : 'none';
    });
    const areas = data.areas[layer];
    const values = Object.keys(areas).map(function (c) { return areas[c].v[key]; })
      .filter(function (v) { return v !== null && v !== undefined; }).sort(function (a, b) { return a - b; });
    const breaks = [];  // the lower ends of classes 2..5: distinct quantiles of the values
    for (let i = 1; i < colours.length; i++) {
      const q = values.length ? values[Math.floor(i * values.length / colours.length)] : null;
      if (q !== null && q > (breaks.length ? breaks[breaks.length - 1] : values[0])) breaks.push(q);
    }
    function classOf(v) {
      let k = 0;
      while (k < breaks.length && v >= breaks[k]) k++;
      return k;
    }
    let painted = 0;
    document.querySelectorAll('#map g.layer[data-layer="' + layer + '"] path').forEach(function (p) {
      const area = areas[p.dataset.code];
      const v = area ? area.v[key] : null;
      const empty = v === null || v === undefined;
      p.setAttribute('fill', empty ? none : colours[classOf(v)]);
      p.querySelector('title').textContent = (area ? area.name + ' ' : '') + p.dataset.code + '\\n' +
        data.indicators[key].label + ': ' + fmt(kind, v);
      if (!empty) painted++;
    });
    legend.innerHTML = '';
    const lows = [values.length ? values[0] : null].concat(breaks);
    lows.forEach(function (lo, i) {
      const item = document.createElement('span');
      const range = i < breaks.length ? fmt(kind, lo) + ' – ' + fmt(kind, breaks[i]) : '≥ ' + fmt(kind, lo);
      item.innerHTML = '<span class="swatch" style="background:' + colours[i] + '"></span>' + range;
      legend.appendChild(item);
    });
    const empty = document.createElement('span');
    empty.innerHTML = '<span class="swatch" style="background:' + none + '"></span>无数据';
    legend.appendChild(empty);
    document.getElementById('map').dataset.painted = String(painted);
  }
  select.addEventListener('change', draw);
  document.querySelectorAll('input[name="layer"]').forEach(function (r) { r.addEventListener('change', draw); });
  draw();
})();
"""


def render_html(card: Scorecard, indicator: str = "events_reported", drill: str | None = None) -> str:
    """The page; `drill` the folder of its drill-down data, relative to the page (None: no
    drill-down section)."""
    if indicator not in MAP_INDICATORS:
        raise ValueError(f"unknown map indicator {indicator!r}; one of {', '.join(MAP_INDICATORS)}")
    names, map_data = _map_data(card)
    shapes = map_shapes(card.grid_shapes)
    figures = "".join(
        f'<div class="figure" data-key="{f.key}"><div class="label">{escape(f.label)}</div>'
        f'<div class="value">{format_value(f.kind, f.value)}</div>'
        f'<div class="note">{escape(f.note)}</div></div>'
        for f in card.headline
    )
    charts = _charts(card)
    status = escape(card.status)
    if card.closed:
        status += (
            f"，结果指纹 <code>{card.closed['figures_fingerprint'][:16]}</code>，规则指纹 "
            f"<code>{card.closed['rules_fingerprint'][:16]}</code>"
        )
    options = "".join(
        f'<option value="{k}"{" selected" if k == indicator else ""}>{escape(label)}</option>'
        for k, (label, _) in MAP_INDICATORS.items()
    )
    data_json = json.dumps(map_data, ensure_ascii=False).replace("<", "\\u003c")  # no markup, no end of the script
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>开封市网格化服务管理月度成绩单 {card.month}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>开封市网格化服务管理月度成绩单 {card.month}</h1>
<p>基层社会治理服务保障中心 · 生成于 {card.generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）</p>
</header>
<main>
<section><h2>主要指标</h2><p class="status" id="status">{status}</p><div class="figures">{figures}</div></section>
<section><h2>图表</h2><div class="charts">{"".join(charts)}</div></section>
<section><h2>地图</h2>
<div class="controls">
<label>指标 <select id="indicator">{options}</select></label>
<label><input type="radio" name="layer" value="township" checked> 乡镇街道</label>
<label><input type="radio" name="layer" value="grid"> 网格</label>
</div>
{map_svg(shapes, names)}
<div id="legend"></div>
</section>
{_drill_section(drill)}
</main>
<footer>明细见同名 Excel 工作簿：积分明细表列出每条积分的规则、版本和来源记录。</footer>
<script type="application/json" id="map-data">{data_json}</script>
<script>{SCRIPT}</script>
{f"<script>{DRILL_SCRIPT}</script>" if drill else ""}
</body>
</html>
"""


def _map_data(card: Scorecard) -> tuple[dict, dict]:
    """The grids' and townships' names, and the map's data (its indicators, each area's
    values). An area with a shape and no figures this month is on the map without a value."""
    grids, townships = _rows(card, "网格"), _rows(card, "乡镇")
    names = {
        "grid": {r["grid_code"]: r["grid_name"] or "" for r in grids},
        "township": {r["township_code"]: r["township_name"] or "" for r in townships},
    }
    grid_towns = {g: t for g, t, _ in card.grid_shapes}
    return names, {
        "indicators": {k: {"label": label, "kind": kind} for k, (label, kind) in MAP_INDICATORS.items()},
        "areas": {
            "grid": {
                r["grid_code"]: {"name": names["grid"][r["grid_code"]], "v": indicator_values(r)}
                for r in grids
                if r["grid_code"] in grid_towns
            },
            "township": {
                r["township_code"]: {"name": names["township"][r["township_code"]], "v": indicator_values(r)}
                for r in townships
            },
        },
    }


def _charts(card: Scorecard) -> list[str]:
    """The page's charts: daily events, events and on-time rates per county, the workers'
    grades, the top departments."""
    counties, departments = _rows(card, "县区"), _rows(card, "部门")
    county_names = [r["county_name"] or r["county_code"] for r in counties]
    # the top departments among those with at least the median number of tasks of the assessed
    # ones: a department with a handful of tasks does not top a bureau with thousands
    assessed = [r for r in departments if r["rank_overall"] is not None]
    tasks = sorted(r["tasks_dispatched"] for r in assessed)
    min_tasks = tasks[len(tasks) // 2] if tasks else 0
    ranked = [r for r in assessed if r["tasks_dispatched"] >= min_tasks][:15]
    pools = sorted({p for p, _, _ in card.grades})
    grade_counts = {(p, g): n for p, g, n in card.grades}
    return [
        line_chart("每日上报事件", [d for d, _ in card.daily_events], [n for _, n in card.daily_events]),
        bar_chart(
            "各县区上报与结案事件",
            county_names,
            [
                ("上报事件", [r["events_reported"] for r in counties]),
                ("已结案", [r["events_closed"] for r in counties]),
            ],
        ),
        bar_chart("各县区按时办结率", county_names, [("按时办结率", [r["on_time_rate"] for r in counties])], "rate"),
        bar_chart(
            "网格员等次分布",
            pools,
            [(g, [grade_counts.get((p, g), 0) for p in pools]) for g in ("优秀", "合格", "不合格")],
        ),
        hbar_chart(
            f"部门综合得分（前{len(ranked)}名，派遣任务≥{min_tasks}件）",
            [f"{r['department_name']}（{r['tasks_dispatched']:,}件）" for r in ranked],
            [r["composite_score"] for r in ranked],
        ),
    ]


def _drill_section(drill: str | None) -> str:
    if not drill:
        return ""
    tabs = "".join(
        f'<button type="button" data-table="{key}">{label}</button>'
        for key, label in (("townships", "乡镇街道"), ("grids", "网格"), ("workers", "网格员"), ("departments", "部门"))
    )
    return f"""<section id="drill" data-base="{escape(drill)}/"><h2>明细查询</h2>
<div class="controls"><span class="tabs">{tabs}</span>
<label>搜索 <input id="drill-search" type="search" placeholder="名称、编码…"></label><span id="drill-count"></span></div>
<p class="status">选择一类查看；点表头排序；点 ▸ 展开：乡镇的网格、网格与部门的本月任务、网格员的积分明细。</p>
<div id="drill-table"></div>
</section>"""


def write_html(card: Scorecard, path: Path, indicator: str = "events_reported", drill: str | None = None) -> Path:
    text = render_html(card, indicator, drill)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_whole(path, text)
