"""Publishing's Dagster definitions: the read-only copies BI tools read, whole and live."""

from dagster import Definitions

from orchestration.bi.assets import live_board, published_copy

defs = Definitions(assets=[published_copy, live_board])
