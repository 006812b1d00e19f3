"""Data quality: Great Expectations suites, one per source entity, run on raw landings.

GX runs on its pandas datasource: the landed records of a load are flattened with DuckDB
into a DataFrame and validated there. (GX's SQL datasource over duckdb-engine does not
resolve its metrics reliably; the pandas path does.) Each expectation carries a severity:
``blocking`` failures fail the asset's blocking check and stop what depends on it;
``warning`` failures are recorded with counts and example keys.
"""
