-- Sub-items of the Smart City taxonomy, one row per version (a distinct content of a code).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_smart_city__services_versions')) }}
