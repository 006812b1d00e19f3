"""The warehouse: where raw landings, the DuckDB file and published copies live.

``warehouse/kaifeng.duckdb`` is the embedded default warehouse; ``warehouse/lake/`` holds
raw landings as Parquet (append-only, partitioned by source, entity and day).
"""
