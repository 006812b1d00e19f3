-- Sharp Eyes alarms, one row per version (a re-reported alarm is a version, not a new alarm).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_sharp_eyes__alarms')) }}
