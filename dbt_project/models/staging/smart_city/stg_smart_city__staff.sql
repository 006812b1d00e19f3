-- Grid staff, one row per version of each person; names masked, phones not carried.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_smart_city__staff_versions')) }}
