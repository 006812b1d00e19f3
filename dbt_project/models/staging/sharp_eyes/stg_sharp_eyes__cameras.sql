-- Sharp Eyes cameras, one row per version; WGS-84 coordinates.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_sharp_eyes__cameras_versions')) }}
