-- Home visits by grid workers, one row per version.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_civil_affairs__visits')) }}
