-- Departments of the four platforms, one row per version.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_smart_city__departments')) }}
