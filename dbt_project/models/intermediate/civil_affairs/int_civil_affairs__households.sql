-- Each household in its latest state (deleted ones included, flagged).
{{ latest_per_key(ref('stg_civil_affairs__households'), 'household_id', 'updated_at desc, fetched_at desc, load_id desc') }}
