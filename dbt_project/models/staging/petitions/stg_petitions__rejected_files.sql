-- Refused export files that passed their checks: none ever do (every one is quarantined as
-- unreadable_file). Kept so the row accounting treats this entity like every other.
{{ accepted_versions(ref('base_petitions__rejected_files')) }}
