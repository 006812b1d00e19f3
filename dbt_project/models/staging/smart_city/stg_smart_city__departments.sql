-- Departments of the four platforms, one row per version.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_smart_city__departments_versions')) }}
