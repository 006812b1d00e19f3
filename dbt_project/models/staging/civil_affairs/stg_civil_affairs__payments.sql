-- Assistance payments, one row per version; amounts in fen.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_civil_affairs__payments')) }}
