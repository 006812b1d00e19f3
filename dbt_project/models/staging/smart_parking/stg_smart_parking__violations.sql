-- Parking violations, one row per version (registered, dispatched, handled, closed).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_smart_parking__violations')) }}
