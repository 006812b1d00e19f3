-- Parking lots, one row per version; coordinates BD-09 as sent.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_smart_parking__lots_versions')) }}
