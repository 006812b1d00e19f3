"""The peer of the connector benchmark: dlt loading the same stand-in endpoint into DuckDB.

    .venv/bin/python scripts/bench_dlt.py SOURCE FIRST_DAY DAYS DUCKDB_FILE

Configured fairly: no child tables (`max_table_nesting=0`: nested objects stay JSON), the
parquet loader, the page size the connectors use (1000), and the source's own protocol,
as each source's peer declares it (``connectors/<source>/dlt_peer.py``). Settings come from
the same GOVHUB_* variables the connectors read. Prints one JSON line: records, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from connectors.registry import SOURCES  # noqa: E402


def peer(source: str):
    """`connectors/<source>/dlt_peer.py`'s source(first, days), or None: no peer for it."""
    import importlib.util

    module = f"connectors.{source}.dlt_peer"
    if importlib.util.find_spec(f"connectors.{source}") is None or importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module).source


def main() -> int:
    parser = argparse.ArgumentParser(
        description="dlt loading a stand-in endpoint into DuckDB (the connector benchmark's peer)"
    )
    parser.add_argument("source", choices=[name for name in SOURCES if peer(name)])
    parser.add_argument("first", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument("days", type=int)
    parser.add_argument("duckdb_file")
    args = parser.parse_args()
    source, first, days, duckdb_file = args.source, args.first, args.days, args.duckdb_file
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{source}",
        destination=dlt.destinations.duckdb(duckdb_file),
        dataset_name="raw",
        pipelines_dir=os.path.join(os.path.dirname(duckdb_file), "dlt_pipelines"),
    )
    started = time.monotonic()
    pipeline.run(peer(source)(first, days), loader_file_format="parquet")
    seconds = time.monotonic() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts
    records = sum(n for table, n in counts.items() if not table.startswith("_dlt"))
    print(json.dumps({"records": records, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
