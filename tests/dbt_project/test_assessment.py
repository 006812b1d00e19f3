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
