-- Blocking: every landed raw row is conformed or quarantined, none lost, none counted twice.
{{ config(severity='error') }}
select *
from {{ ref('row_accounting') }}
where unaccounted_rows <> 0
