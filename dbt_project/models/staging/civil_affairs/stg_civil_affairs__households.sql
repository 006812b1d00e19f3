-- Households, one row per version; the head only as pseudonyms and masks.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_versions(ref('base_civil_affairs__households')) }}
