-- Each sub-item (事项) of the taxonomy in its latest listed version.
{{ latest_per_key(ref('stg_smart_city__services'), 'subitem_code', 'last_seen_at desc, first_seen_at desc') }}
