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
