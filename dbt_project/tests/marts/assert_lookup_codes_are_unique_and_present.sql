-- Every lookup of seeds/codes/ (published in marts beside the facts) lists each of its codes
-- once, and none empty: one test over the seven, instead of a unique and a not_null each.
{%- set lookups = {
    'dim_platform': 'platform_code',
    'dim_event_state': 'state',
    'dim_task_outcome': 'outcome',
    'dim_points_reason': 'reason_code',
    'dim_points_pool': 'points_pool',
    'dim_grade': 'grade',
    'dim_assessment_status': 'status',
} %}
{%- for seed, code in lookups.items() %}
select '{{ seed }}' as lookup, cast({{ code }} as string) as code, count(*) as n
from {{ ref(seed) }}
group by {{ code }}
having count(*) > 1 or {{ code }} is null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
