-- Each petition case as its newest export states it.
{{ latest_per_key(ref('stg_petitions__cases'), 'case_id', 'version_stamp desc, fetched_at desc, load_id desc') }}
