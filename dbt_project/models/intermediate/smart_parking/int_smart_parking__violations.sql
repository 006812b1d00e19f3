-- Each parking violation in its latest known state.
{{ latest_per_key(ref('stg_smart_parking__violations'), 'violation_id', 'updated_at desc, fetched_at desc, load_id desc') }}
