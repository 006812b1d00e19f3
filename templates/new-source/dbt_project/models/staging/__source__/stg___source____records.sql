-- __Title__ records, one row per version.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base___source____records')) }}
