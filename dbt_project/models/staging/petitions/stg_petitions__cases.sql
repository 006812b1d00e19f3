-- Petition cases, one row per version (each export file row of a case).
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_petitions__cases')) }}
