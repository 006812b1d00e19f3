"""The monthly scorecard of the service-guarantee centre (基层社会治理服务保障中心).

`load_scorecard(con, month)` reads one month from the warehouse into a `Scorecard`: the
headline figures, one `Sheet` per part (grid workers, grids, townships, counties,
departments, ledger detail) and the areas of the map. The workbook (`reports.workbook`)
and the HTML report (`reports.html`) are both drawn from it, so they show the same numbers.

The points come from schema `scores` when the month is closed (what the centre published,
reproducible after later rule changes), from the marts otherwise, and the scorecard says
which. Every figure is a column of a published mart; the ledger detail names the source
record of each line, so a number can be followed back to the records behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from connectors.common.timezone import SHANGHAI
from warehouse.scores import month_bounds

POOL_NAMES = {"fulltime": "专职", "parttime": "兼职"}
STATUS_NAMES = {"assessed": "已评定", "insufficient_data": "数据不足"}
GRADES = ("优秀", "合格", "不合格")
# shown while the month has not ended (is_final false in the marts)
PROVISIONAL = "本月尚未结束，排名与等次为暂定 (provisional: the month has not ended)"
# the year-on-year note where the warehouse holds nothing of the month a year before
NO_YEAR_BEFORE = "同比：无上年同月数据 (no data for the month a year before)"
UNLOCATED = "未定位 (no grid)"
SOURCE_NAMES = {
    "smart_city": "智慧城市",
    "sharp_eyes": "雪亮工程",
    "smart_parking": "智慧停车",
    "civil_affairs": "民政",
    "petitions": "信访",
}


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its name, Chinese header, kind of value and the SQL giving it
    (default: the column of the same name of the sheet's main table, alias `s`).

    Kinds: text, int, rate (a share 0..1), points (whole, or two decimals where a multiplier
    left a fraction), score (0..100), datetime (Asia/Shanghai wall time)."""

    key: str
    header: str
    kind: str = "text"
    width: int = 0  # characters; 0 = by kind
    expr: str = ""

    @property
    def display_width(self) -> int:
        return self.width or {"text": 14, "int": 10, "rate": 10, "points": 10, "score": 10}.get(self.kind, 18)

    @property
    def select(self) -> str:
        return f"{self.expr or 's.' + self.key} as {self.key}"


@dataclass
class Sheet:
    """One part of the scorecard: its columns over a query of the warehouse. Rows are
    streamed (`rows()`): the ledger of a city month is too long to hold twice."""

    name: str
    title: str
    columns: list[Column]
    source: str  # from ... where ... (one parameter: the month) order by ...
    month: str
    con: duckdb.DuckDBPyConnection = field(repr=False)

    @property
    def sql(self) -> str:
        return f"select {', '.join(c.select for c in self.columns)} {self.source}"

    def rows(self, batch: int = 10_000) -> Iterator[tuple]:
        cur = self.con.cursor()
        try:
            cur.execute(self.sql, [self.month])
            while chunk := cur.fetchmany(batch):
                yield from chunk
        finally:
            cur.close()

    def all_rows(self) -> list[tuple]:
        return list(self.rows())


@dataclass(frozen=True)
class Figure:
    """A headline figure: the same label and value in the workbook and the report."""

    key: str
    label: str
    value: float | int | None
    kind: str = "int"
    note: str = ""  # e.g. the change on the same month a year before


@dataclass
class Scorecard:
    month: str
    generated_at: datetime
    closed: dict | None  # the month as closed in schema scores (None: not closed)
    headline: list[Figure]
    grades: list[tuple[str, str, int]]  # pool name, grade, workers
    sheets: dict[str, Sheet]
    daily_events: list[tuple[str, int]]  # local day, events reported
    grid_shapes: list[tuple[str, str, str]]  # grid code, township code, polygon (WGS-84 WKT) at the month's end
    final: bool = True  # the month had ended when the warehouse was built (else its ranks and grades are provisional)

    @property
    def points_source(self) -> str:
        return "scores" if self.closed else "marts"

    @property
    def status(self) -> str:
        """Whether the figures are final and the points closed, in one line (the report adds
        the closed month's fingerprints)."""
        if self.closed:
            points = f"积分已月结 {self.closed['scored_at'].astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        else:
            points = "积分未月结：数字以本月月结为准 (points not closed yet: figures may change)"
        return points if self.final else f"{PROVISIONAL}；{points}"


def format_value(kind: str, value) -> str:
    """How a value reads on the report (the workbook's number formats say the same)."""
    if value is None:
        return "—"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "points" and float(value).is_integer():
        return f"{int(value):,}"
    if kind in ("points", "score"):
        return f"{float(value):,.2f}"
    if kind == "change":
        return f"{float(value) * 100:+.1f}%"
    if kind == "change_pp":
        return f"{float(value) * 100:+.1f} 个百分点"
    return str(value)


def _share(part, whole) -> float | None:
    return None if not whole else round(part / whole, 6)


def _one(con, sql: str, params: list) -> dict | None:
    cur = con.execute(sql, params)
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def _has_table(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def load_scorecard(con: duckdb.DuckDBPyConnection, month: str) -> Scorecard:
    """The scorecard of `month` (YYYY-MM); ValueError when the warehouse holds nothing of it."""
    first, after = month_bounds(month)
    kpis = _one(con, "select * from marts.mart_city_kpis_monthly where scorecard_month = ?", [month])
    if kpis is None:
        raise ValueError(f"{month}: the warehouse has no scorecard figures for this month (nothing landed for it)")
    closed = None
    if _has_table(con, "scores", "closed_months"):
        closed = _one(
            con,
            "select scored_at, run_id, workers, lines, total_points, figures_fingerprint, rules_fingerprint "
            "from scores.closed_months where points_month = ?",
            [month],
        )
    monthly = "scores.worker_points_monthly" if closed else "marts.mart_worker_points_monthly"
    ledger = "scores.worker_points_ledger" if closed else "marts.fct_worker_points_ledger"
    points = _one(
        con,
        f"select count(*) as workers, coalesce(sum(total_points), 0) as total, "
        f"count(*) filter (where grade = '优秀') as excellent, count(*) filter (where grade = '不合格') as failing "
        f"from {monthly} where points_month = ?",
        [month],
    )
    lines = con.execute(f"select count(*) from {ledger} where points_month = ?", [month]).fetchone()[0]
    depts = _one(
        con,
        "select count(*) filter (where status = 'assessed') as assessed, "
        "count(*) filter (where status = 'insufficient_data') as thin, "
        "round(avg(composite_score) filter (where status = 'assessed'), 4) as mean_score "
        "from marts.mart_department_assessment_monthly where assessment_month = ?",
        [month],
    )

    def yoy(key: str, kind: str = "change") -> str:
        v = kpis.get(f"{key}_yoy" if kind == "change" else f"{key}_yoy_change")
        return NO_YEAR_BEFORE if v is None else f"同比 {format_value(kind, v)}"

    headline = [
        Figure("events_reported", "上报事件", kpis["events_reported"], note=yoy("events_reported")),
        Figure("events_closed", "已结案事件", kpis["events_closed"]),
        Figure("close_rate", "结案率", _share(kpis["events_closed"], kpis["events_reported"]), "rate"),
        Figure("tasks_accepted", "验收通过任务", kpis["tasks_accepted"]),
        Figure("on_time_rate", "按时办结率", kpis["on_time_rate"], "rate", yoy("on_time_rate", "change_pp")),
        Figure("alarms_pushed", "推送告警", kpis["alarms_pushed"]),
        Figure(
            "alarm_arrival_rate", "30分钟到场率", _share(kpis["alarms_within_30_min"], kpis["alarms_pushed"]), "rate"
        ),
        Figure("services_delivered", "便民服务办理", kpis["services_delivered"], note=yoy("services_delivered")),
        Figure("disputes_resolved", "化解矛盾纠纷", kpis["disputes_resolved"], note=yoy("disputes_resolved")),
        Figure("disputes_mediated", "网格员调解满意", kpis["disputes_mediated"]),
        Figure("grid_workers", "参与积分网格员", points["workers"]),
        Figure("worker_points", "网格员积分合计", float(points["total"]), "points"),
        Figure("ledger_lines", "积分明细条数", lines),
        Figure("excellent_workers", "优秀网格员", points["excellent"]),
        Figure("failing_workers", "不合格网格员", points["failing"]),
        Figure("departments_assessed", "参评部门", depts["assessed"]),
        Figure("departments_insufficient", "数据不足部门", depts["thin"]),
        Figure("department_mean_score", "部门平均综合得分", depts["mean_score"], "score"),
    ]
    grades = [
        (POOL_NAMES.get(pool, pool), grade, n)
        for pool, grade, n in con.execute(
            f"select points_pool, grade, count(*) from {monthly} where points_month = ? group by all order by all",
            [month],
        ).fetchall()
    ]
    daily = [
        (f"{d:%m-%d}", n)
        for d, n in con.execute(
            "select timezone('Asia/Shanghai', reported_at)::date as d, count(*) from marts.fct_governance_events "
            "where reported_at >= ?::timestamptz and reported_at < ?::timestamptz group by 1 order by 1",
            [f"{first} 00:00:00+08", f"{after} 00:00:00+08"],
        ).fetchall()
    ]
    shapes = con.execute(
        "select grid_code, township_code, polygon_wkt from marts.dim_grid "
        "where valid_from < ? and (valid_to is null or valid_to >= ?) order by grid_code",
        [after, after],
    ).fetchall()
    sheets = {s.name: s for s in _sheets(con, month, monthly, ledger)}
    final = bool(kpis["is_final"])
    return Scorecard(month, datetime.now(UTC), closed, headline, grades, sheets, daily, shapes, final)


# --- the sheets -------------------------------------------------------------------------
AREA_FIGURES = [
    Column("events_reported", "上报事件", "int"),
    Column("events_closed", "已结案", "int"),
    Column("tasks_accepted", "验收通过任务", "int", 12),
    Column("tasks_on_time", "按时办结任务", "int", 12),
    Column("on_time_rate", "按时办结率", "rate"),
    Column("alarms_pushed", "推送告警", "int"),
    Column("alarms_within_30_min", "30分钟到场", "int"),
    Column("services_delivered", "便民服务", "int"),
    Column("disputes_resolved", "化解纠纷", "int"),
    Column("disputes_mediated", "网格调解", "int"),
]
WORKER_FIGURES = [
    Column("grid_workers", "网格员数", "int"),
    Column("worker_points", "网格员总积分", "points", 12),
    Column("excellent_workers", "优秀网格员", "int"),
]
POOL = "case {0} when 'fulltime' then '专职' when 'parttime' then '兼职' else {0} end"
COUNTY_NAME = Column("county_name", "县区", width=12, expr="c.division_name")
# the department assessment's six indicators (key, name), in the order of the weights
ASSESSMENT_INDICATORS = (
    ("completion_rate", "完成率"),
    ("on_time_rate", "按时办结率"),
    ("first_pass_rate", "一次通过率"),
    ("township_evaluation", "乡镇评价"),
    ("petition_on_time_rate", "信访按期答复率"),
    ("petition_satisfaction", "信访满意率"),
)
# a department's figures in the monthly and the annual assessment
ASSESSMENT_FIGURES = [
    Column("composite_score", "综合得分", "score"),
    *[Column(key, name, "rate") for key, name in ASSESSMENT_INDICATORS],
    Column("weight_used", "有效权重", "rate"),
    Column("tasks_dispatched", "派遣任务", "int"),
    Column("tasks_rerouted", "转办", "int", 7),
    Column("tasks_accepted", "验收通过", "int"),
    Column("tasks_on_time", "按时办结", "int"),
    Column("tasks_first_pass", "一次通过", "int"),
    Column("evaluations", "乡镇评价次数", "int"),
    Column("petitions_received", "信访受理", "int"),
    Column("petitions_due", "信访到期", "int"),
    Column("petitions_on_time", "信访按期", "int"),
    Column("petitions_evaluated", "信访评价", "int"),
    Column("petitions_satisfied", "信访满意", "int"),
]
# the counties' rate, and the unlocated row's from its own counts
UNLOCATED_RATE = Column(
    "on_time_rate", "按时办结率", "rate", expr="coalesce(s.on_time_rate, s.tasks_on_time / nullif(s.tasks_accepted, 0))"
)
TOWNSHIP_NAME = Column("township_name", "乡镇街道", width=16, expr="t.division_name")


def _names(alias: str, code: str) -> str:
    """The current name of a division (one row: the version still valid)."""
    return f"left join marts.dim_division as {alias} on {alias}.division_code = {code} and {alias}.valid_to is null"


def _case(expr: str, names: dict[str, str]) -> str:
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in names.items())
    return f"case {expr} {whens} else {expr} end"


def _counties_with_unlocated() -> str:
    """The counties' rows of the month and one more, 未定位, for what the city counts but no
    county holds (events without a grid): the rows then add up to the headline."""
    counts = [c.key for c in AREA_FIGURES if c.kind == "int"]
    rest = ", ".join(f"k.{c} - coalesce(t.{c}, 0) as {c}" for c in counts)
    sums = ", ".join(f"sum(s.{c}) as {c}" for c in counts)
    differs = " or ".join(f"k.{c} <> coalesce(t.{c}, 0)" for c in counts)
    columns = ", ".join(counts)
    return f"""
        (
            with month as (select cast(? as varchar) as m),
            counties as (
                select s.* from marts.mart_county_scorecard_monthly as s join month on s.scorecard_month = month.m
            ),
            totals as (select {sums} from counties as s)
            select county_code, {columns}, on_time_rate, grid_workers, worker_points, excellent_workers
            from counties
            union all
            select null, {rest}, null, 0, 0, 0
            from marts.mart_city_kpis_monthly as k join month on k.scorecard_month = month.m, totals as t
            where {differs}
        )"""


# every rule in force on a day of the month, one table: points rules, alarm bands, limits,
# sub-items' points, assessment weights and settings (the month its one parameter)
RULES_SOURCE = """
    from (
        select 1 as part, '积分规则' as kind, rule_id as code, name_zh, name_en,
               coalesce(cast(points as varchar) || ' 分', '按事项或档位') || '；系数 专职 ' || cast(multiplier_fulltime as varchar)
                   || ' / 兼职 ' || cast(multiplier_parttime as varchar) as value,
               version, valid_from, valid_to
        from rules.points_rules
        union all
        select 2, '告警响应档位', band, name_zh, name_en,
               cast(points as varchar) || ' 分' || coalesce('（' || cast(max_minutes as varchar) || ' 分钟内）', ''),
               version, valid_from, valid_to
        from rules.points_alarm_bands
        union all
        select 3, '积分限额', limit_id, name_zh, name_en, cast(value as varchar), version, valid_from, valid_to
        from rules.points_limits
        union all
        select 4, '事项分值', p.subitem_code, t.event_type_name, null,
               '上报 ' || cast(p.report_points as varchar) || ' 分；自行处置 ' || cast(p.self_resolve_points as varchar) || ' 分',
               p.version, p.valid_from, p.valid_to
        from rules.points_subitems as p left join marts.dim_event_type as t on t.event_type_code = p.subitem_code
        union all
        select 5, '部门考核权重', indicator, name_zh, name_en, cast(weight as varchar), version, valid_from, valid_to
        from rules.assessment_weights
        union all
        select 6, '部门考核设置', setting, name_zh, name_en, cast(value as varchar), version, valid_from, valid_to
        from rules.assessment_settings
    ) as s
    join (
        select cast(strptime(m || '-01', '%Y-%m-%d') as date) as first_day,
               last_day(strptime(m || '-01', '%Y-%m-%d')) as last_day
        from (select cast(? as varchar) as m)
    ) as mo
        on (s.valid_from is null or s.valid_from <= mo.last_day) and (s.valid_to is null or s.valid_to > mo.first_day)
    order by s.part, s.code, s.version
"""


def _sheets(con, month: str, monthly: str, ledger: str) -> list[Sheet]:
    return [
        _workers_sheet(con, month, monthly),
        _grids_sheet(con, month),
        _townships_sheet(con, month),
        _counties_sheet(con, month),
        _departments_sheet(con, month),
        _detail_sheet(con, month, ledger),
        _rules_sheet(con, month),
    ]


def _workers_sheet(con, month: str, monthly: str) -> Sheet:
    """The grid workers: points, lines per rule, ranks and grades."""
    _, after = month_bounds(month)
    rule_names = dict(
        con.execute(
            "select rule_id, name_zh from rules.points_rules where valid_from < ? order by version", [after]
        ).fetchall()
    )
    return Sheet(
        "网格员",
        "Grid workers: points, lines per rule, ranks and grades",
        [
            COUNTY_NAME,
            TOWNSHIP_NAME,
            Column("pool", "积分池", width=8, expr=POOL.format("s.points_pool")),
            Column("county_rank", "县区排名", "int", 9),
            Column("township_rank", "乡镇排名", "int", 9),
            Column("staff_id", "工号", width=12),
            Column("staff_name_masked", "姓名", width=8, expr="n.staff_name_masked"),
            Column("total_points", "总积分", "points"),
            Column("grade", "等次", width=8),
            Column("ledger_lines", "明细条数", "int"),
            *[Column(f"r{i}_lines", f"R{i} {rule_names.get(f'R{i}', '')}".rstrip(), "int", 10) for i in range(1, 8)],
            Column("zero_point_lines", "零分条数", "int"),
            Column("county_pool_workers", "县区同池人数", "int", 12),
        ],
        f"""
        from {monthly} as s
        left join (select staff_id, min(staff_name_masked) as staff_name_masked from marts.dim_grid_staff group by 1)
            as n on n.staff_id = s.staff_id
        {_names("t", "s.township_code")}
        {_names("c", "s.county_code")}
        where s.points_month = ?
        order by s.county_code, s.points_pool, s.county_rank, s.staff_id
        """,
        month,
        con,
    )


def _grids_sheet(con, month: str) -> Sheet:
    """The grids' figures."""
    return Sheet(
        "网格",
        "Grids: events, tasks, alarms, services and disputes",
        [
            Column("grid_code", "网格编码", width=16),
            Column("grid_name", "网格名称", width=22, expr="g.grid_name"),
            TOWNSHIP_NAME,
            COUNTY_NAME,
            *AREA_FIGURES,
        ],
        f"""
        from marts.mart_grid_scorecard_monthly as s
        left join (select grid_code, min(grid_name) as grid_name from marts.dim_grid group by 1) as g
            on g.grid_code = s.grid_code
        {_names("t", "s.township_code")}
        {_names("c", "s.county_code")}
        where s.scorecard_month = ?
        order by s.county_code, s.township_code, s.grid_code
        """,
        month,
        con,
    )


def _townships_sheet(con, month: str) -> Sheet:
    """The townships' figures."""
    return Sheet(
        "乡镇",
        "Townships: the grid figures summed, with the workers' points",
        [Column("township_code", "乡镇编码", width=12), TOWNSHIP_NAME, COUNTY_NAME, *AREA_FIGURES, *WORKER_FIGURES],
        f"""
        from marts.mart_township_scorecard_monthly as s
        {_names("t", "s.township_code")}
        {_names("c", "s.county_code")}
        where s.scorecard_month = ?
        order by s.county_code, s.township_code
        """,
        month,
        con,
    )


def _counties_sheet(con, month: str) -> Sheet:
    """The counties' figures (and the events no county holds)."""
    return Sheet(
        "县区",
        "Counties: the township figures summed",
        [
            Column("county_code", "县区编码", width=10),
            Column("county_name", "县区", width=14, expr=f"coalesce(c.division_name, '{UNLOCATED}')"),
            *[c if c.key != "on_time_rate" else UNLOCATED_RATE for c in AREA_FIGURES],
            *WORKER_FIGURES,
        ],
        f"""
        from {_counties_with_unlocated()} as s
        {_names("c", "s.county_code")}
        order by s.county_code nulls last
        """,
        month,
        con,
    )


def _departments_sheet(con, month: str) -> Sheet:
    """The department assessment."""
    return Sheet(
        "部门",
        "Department assessment: indicators, composite and ranks",
        [
            Column("rank_overall", "总排名", "int", 7),
            Column("rank_in_platform", "平台内排名", "int", 10),
            Column("department_name", "部门", width=26),
            Column("platform_name", "平台", width=14, expr="p.platform_name"),
            COUNTY_NAME,
            Column(
                "status",
                "状态",
                width=9,
                expr="case s.status when 'assessed' then '已评定' when 'insufficient_data' then '数据不足' "
                "else s.status end",
            ),
            *ASSESSMENT_FIGURES,
            Column("department_code", "部门编码", width=16),
        ],
        f"""
        from marts.mart_department_assessment_monthly as s
        left join (select distinct platform_code, platform_name from marts.dim_department) as p
            on p.platform_code = s.platform_code
        {_names("c", "s.county_code")}
        where s.assessment_month = ?
        order by s.status, s.rank_overall nulls last, s.department_code
        """,
        month,
        con,
    )


def _detail_sheet(con, month: str, ledger: str) -> Sheet:
    """Every ledger line of the month."""
    return Sheet(
        "积分明细",
        "Ledger detail: every point line with its rule, source record and reason",
        [
            Column("staff_id", "工号", width=12),
            Column("pool", "积分池", width=8, expr=POOL.format("s.points_pool")),
            Column("qualifying_at", "时间", "datetime", 17, expr="timezone('Asia/Shanghai', s.qualifying_at)"),
            Column("rule_id", "规则", width=6),
            Column("rule_version", "版本", "int", 6),
            Column("rule_name", "规则名称", width=12, expr="r.name_zh"),
            Column("points", "积分", "points", 8),
            Column("base_points", "基础分", "int", 8),
            Column("capped_points", "封顶后", "int", 8),
            Column("multiplier", "系数", "points", 7),
            Column("reason_zh", "原因", width=24),
            Column("reason_en", "reason", width=28),
            Column("source_name", "来源系统", width=10, expr=_case("s.source_system", SOURCE_NAMES)),
            Column("source_record_id", "来源记录", width=22),
            Column("subitem_name", "事项", width=16, expr="e.event_type_name"),
            Column("subitem_code", "事项编码", width=8),
            Column("alarm_band", "到场档位", width=10),
            Column("duplicate_of", "重复于", width=18),
            Column("line_id", "明细编号", width=36),
        ],
        f"""
        from {ledger} as s
        left join rules.points_rules as r on r.rule_id = s.rule_id and r.version = s.rule_version
        left join marts.dim_event_type as e on e.event_type_code = s.subitem_code
        where s.points_month = ?
        order by s.staff_id, s.qualifying_at, s.source_record_id, s.rule_id
        """,
        month,
        con,
    )


def _rules_sheet(con, month: str) -> Sheet:
    """The rules in force in the month."""
    return Sheet(
        "规则",
        "The rules in force in the month: points, alarm bands, limits, sub-items' points, assessment weights",
        [
            Column("kind", "类别", width=14),
            Column("code", "编码", width=16),
            Column("name_zh", "名称", width=20),
            Column("name_en", "英文名称", width=24),
            Column("value", "分值 / 权重", width=30),
            Column("version", "版本", "int", 6),
            Column("valid_from", "生效日期", width=12),
            Column("valid_to", "失效日期", width=12),
        ],
        RULES_SOURCE,
        month,
        con,
    )
