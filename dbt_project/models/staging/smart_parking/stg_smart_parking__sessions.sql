-- Parking sessions, one row per version (entry; exit with fee in fen).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_smart_parking__sessions')) }}
