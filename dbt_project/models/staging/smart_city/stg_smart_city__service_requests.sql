-- One row per version of each Smart City event that passed its checks: the same version
-- landed twice (a rerun, an overlap window) is one row, kept from the load that first
-- brought it. Rows that broke a rule are in quarantine.quarantine_records.
{{ accepted_versions(ref('base_smart_city__service_requests')) }}
