-- Departments x calendar year: the same indicators computed over the year's own tasks (not
-- an average of its months), composite score and ranks (macros/assessment.sql).
{{ department_assessment('year') }}
