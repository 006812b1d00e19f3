-- Grids as the platform lists them, one row per version; polygons still GCJ-02 GeoJSON.
-- Only rows that passed their checks, each version once; the rest are in quarantine.
{{ accepted_list_versions(ref('base_smart_city__grids_versions')) }}
