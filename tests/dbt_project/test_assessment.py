"""The department assessment on the tiny pipeline's warehouse: its counts are the tasks and
petitions of the facts, the year is counted over its own tasks, and only departments with
enough tasks are ranked. The indicators and weights are pinned by the dbt unit tests in
models/marts/assessment/_assessment__unit_tests.yml."""

from __future__ import annotations


def test_monthly_counts_are_the_dispatched_tasks_of_the_facts(con):
    facts = dict(
        con.execute(
            "select department_code || ' ' || strftime(timezone('Asia/Shanghai', dispatched_at), '%Y-%m'), count(*) "
            "from marts.fct_dispatch_tasks where department_code is not null group by 1"
        ).fetchall()
    )
    mart = dict(
        con.execute(
            "select department_code || ' ' || assessment_month, tasks_dispatched "
            "from marts.mart_department_assessment_monthly where tasks_dispatched > 0"
        ).fetchall()
    )
    assert facts and mart == facts


def test_the_year_counts_its_own_tasks_and_its_score_is_no_average_of_months(con):
    mismatched = con.execute(
        """
        select a.department_code
        from marts.mart_department_assessment_annual a
        join (
            select department_code, left(assessment_month, 4) as y,
                   sum(tasks_dispatched) as tasks, sum(tasks_accepted) as accepted, sum(petitions_received) as received
            from marts.mart_department_assessment_monthly group by all
        ) m on m.department_code = a.department_code and m.y = a.assessment_year
        where (a.tasks_dispatched, a.tasks_accepted, a.petitions_received) <> (m.tasks, m.accepted, m.received)
        """
    ).fetchall()
    assert mismatched == []


def test_only_departments_with_enough_tasks_are_ranked(con):
    rows = con.execute(
        "select status, tasks_dispatched + petitions_received >= 10, rank_overall is not null, "
        "rank_in_platform is not null, count(*) from marts.mart_department_assessment_monthly group by all"
    ).fetchall()
    assert rows
    for status, enough, ranked, ranked_in_platform, _ in rows:
        assert (status == "assessed") == enough == ranked == ranked_in_platform


SUMMED = "events_reported, tasks_accepted, tasks_on_time, alarms_pushed, services_delivered, disputes_resolved"


def test_grids_add_up_to_townships_townships_to_counties_and_with_the_unlocated_to_the_city(con):
    sums = ", ".join(f"sum({c})" for c in SUMMED.split(", "))
    grids = con.execute(
        f"select scorecard_month, township_code, {sums} from marts.mart_grid_scorecard_monthly group by all order by all"
    ).fetchall()
    townships = con.execute(
        f"select scorecard_month, township_code, {SUMMED} from marts.mart_township_scorecard_monthly order by all"
    ).fetchall()
    assert grids and grids == townships
    in_counties = con.execute(
        f"select scorecard_month, county_code, {sums} from marts.mart_township_scorecard_monthly "
        "group by all order by all"
    ).fetchall()
    counties = con.execute(
        f"select scorecard_month, county_code, {SUMMED} from marts.mart_county_scorecard_monthly order by all"
    ).fetchall()
    assert in_counties == counties
    # the city counts every record, also those the warehouse could not place in a grid
    city = dict(
        (m, rest)
        for m, *rest in con.execute(f"select scorecard_month, {SUMMED} from marts.mart_city_kpis_monthly").fetchall()
    )
    unlocated = con.execute("select count(*) from marts.fct_governance_events where grid_code is null").fetchone()[0]
    located_events = sum(r[2] for r in grids)
    assert sum(v[0] for v in city.values()) == located_events + unlocated
    for month, *figures in con.execute(
        f"select scorecard_month, {sums} from marts.mart_township_scorecard_monthly group by 1"
    ).fetchall():
        assert all(c >= t for c, t in zip(city[month], figures, strict=True))


def test_city_year_on_year_is_empty_without_the_year_before(con):
    rows = con.execute(
        "select scorecard_month, events_reported_yoy, on_time_rate_yoy_change from marts.mart_city_kpis_monthly"
    ).fetchall()
    assert rows == [(m, None, None) for m, _, _ in rows]  # the tiny world has one month, no year before
    workers = con.execute("select sum(grid_workers), sum(worker_points) from marts.mart_city_kpis_monthly").fetchone()
    assert workers == con.execute("select count(*), sum(total_points) from marts.mart_worker_points_monthly").fetchone()


def _build_day(con):
    """The Asia/Shanghai day of the last build: what the marts count as today."""
    return con.execute(
        "select cast(timezone('Asia/Shanghai', make_timestamptz(max(stamp_us))) as date) from meta.builds"
    ).fetchone()[0]


def test_every_listed_department_has_a_row_in_each_month_tasks_or_not(con):
    missing = con.execute(
        """
        select m.assessment_month, d.department_code
        from (select distinct assessment_month from marts.mart_department_assessment_monthly) as m
        join marts.dim_department as d
          on (d.valid_from is null or d.valid_from <= last_day(strptime(m.assessment_month || '-01', '%Y-%m-%d')))
         and (d.valid_to is null or d.valid_to > strptime(m.assessment_month || '-01', '%Y-%m-%d'))
        anti join marts.mart_department_assessment_monthly as a
          on a.assessment_month = m.assessment_month and a.department_code = d.department_code
        """
    ).fetchall()
    assert missing == []
    idle = con.execute(
        "select count(*), count(*) filter (where status = 'insufficient_data' and rank_overall is null) "
        "from marts.mart_department_assessment_monthly where tasks_dispatched + petitions_received = 0"
    ).fetchone()
    assert idle[0] > 0 and idle[0] == idle[1]


def test_only_the_periods_not_yet_ended_are_provisional(con):
    day = _build_day(con)
    month, year = f"{day:%Y-%m}", f"{day:%Y}"
    for table, period in (
        ("mart_department_assessment_monthly", "assessment_month"),
        ("mart_worker_points_monthly", "points_month"),
        ("mart_grid_scorecard_monthly", "scorecard_month"),
        ("mart_township_scorecard_monthly", "scorecard_month"),
        ("mart_county_scorecard_monthly", "scorecard_month"),
        ("mart_city_kpis_monthly", "scorecard_month"),
    ):
        rows = dict(con.execute(f"select {period}, bool_and(is_final) from marts.{table} group by 1").fetchall())
        assert rows, table
        assert {p for p, final in rows.items() if not final} == {p for p in rows if p >= month}, table
        assert all(final for p, final in rows.items() if p < month), table
    years = dict(
        con.execute(
            "select assessment_year, bool_and(is_final) from marts.mart_department_assessment_annual group by 1"
        ).fetchall()
    )
    assert years and all(final == (y < year) for y, final in years.items())


def test_met_or_missed_flags_are_null_only_while_undecided(con):
    # the day fct_petitions was last built (its rows keep their stamps while unchanged)
    day = con.execute(
        "select cast(timezone('Asia/Shanghai', make_timestamptz(built_at_us)) as date) from meta.model_state "
        "where model like '%fct_petitions%'"
    ).fetchone()[0]
    petitions = con.execute(
        """
        -- undecided: not replied and not yet due, or without a limit to be held to
        select replied_on_time is null, handling_due_on is null or (replied_on is null and handling_due_on >= ?), count(*)
        from marts.fct_petitions group by all
        """,
        [day],
    ).fetchall()
    assert petitions and all(undecided == open_not_due for undecided, open_not_due, _ in petitions)
    tasks = con.execute(
        """
        select handled_on_time is null,
               -- a task that fell due is written again, with the stamp of the build that saw it
               outcome = 'rerouted' or (outcome = 'open' and due_at > (select max(_loaded_at) from marts.fct_dispatch_tasks))
                 or due_at is null,
               count(*)
        from marts.fct_dispatch_tasks group by all
        """
    ).fetchall()
    assert tasks and all(undecided == expected for undecided, expected, _ in tasks), tasks
    decided = {r[0] for r in con.execute("select distinct handled_on_time from marts.fct_dispatch_tasks").fetchall()}
    assert {True, False} <= decided
