-- Departments x month: the assessment indicators, composite score and ranks (macros/assessment.sql).
{{ department_assessment('month') }}
