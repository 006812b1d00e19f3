-- Handling of alarms pushed to grid workers, one row per version (arrival and result come later).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_sharp_eyes__alarm_handling')) }}
