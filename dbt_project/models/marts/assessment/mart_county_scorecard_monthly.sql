-- Counties x month: the grid figures summed, with the grid workers' points and grades (macros/scorecard.sql).
{{ scorecard('county') }}
