-- Grids x month: events, tasks on time, alarm responses, services and disputes (macros/scorecard.sql).
{{ scorecard('grid') }}
