"""The bad-input corpus: hand-written malformed records and files, one corpus per source
(tests/connectors/<source>/corpus.py), and how they are landed.

A `Case` is what a source sends: one record (or two, where the defect is the second one
contradicting the first) made from a real record of the tiny world by changing, adding or
removing fields. Each record goes through the connector's own preparation (the plate or
ID-number pseudonyms and checks it computes before landing) and lands as a load of its
own, so the test can find exactly where it ended: the quarantine row it must become (with
its reason and field) or, for schema drift, a conformed row and a reported new field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.common.http import decode_json
from connectors.common.lake import Lake, RawRecord, new_load_id

DROP = object()  # a field the record comes without


@dataclass
class Case:
    name: str  # what is wrong, in words
    source: str
    entity: str
    records: list[dict]  # as sent, in order; each its own load
    reason: str | None  # the quarantine reason of the last record (None: it is conformed)
    field_name: str | None = None  # the source field the quarantine must name
    new_fields: list[str] = field(default_factory=list)  # schema drift the landing reports
    load_ids: list[str] = field(default_factory=list)  # filled in when landed


def changed(record: dict, changes: dict) -> dict:
    """A copy of `record` with `changes` (a dotted key reaches into nested objects; DROP
    removes the field)."""
    out = copy.deepcopy(record)
    for path, value in changes.items():
        target, *rest = path.split(".")
        node = out
        while rest:
            node = node[target][0] if isinstance(node[target], list) else node[target]
            target, *rest = rest
        if value is DROP:
            node.pop(target, None)
        else:
            node[target] = value
    return out


def sent_with_a_key_twice(record: dict, path: str, first_value) -> dict:
    """`record` as the connector decodes it when the source's JSON names the field at `path`
    (dotted: nested objects) twice, `first_value` first and the record's own value last."""
    *outer, key = path.split(".")
    text = json.dumps(record, ensure_ascii=False)
    anchor = "".join(f'"{k}": {{' for k in outer) if outer else "{"
    at = text.index(anchor) + len(anchor)
    member = f"{json.dumps(key)}: {json.dumps(first_value, ensure_ascii=False)}, "
    return decode_json(text[:at] + member + text[at:])


DAY = "2026-10-02"  # the lake day every corpus record lands in


@dataclass(frozen=True)
class Landing:
    """How one entity's records land: its key and update fields, and the connector's
    preparation of a record before landing."""

    key: str
    updated: str | None
    prepare: Callable[[dict], dict] = lambda r: r


def land(lake: Lake, case: Case, how: Landing) -> None:
    for record in case.records:
        prepared = how.prepare(record)
        load_id = new_load_id()
        key = prepared.get(how.key)
        raw = RawRecord(
            key=None if key is None else str(key),
            updated_at=prepared.get(how.updated) if how.updated else None,
            payload=json.dumps(prepared, ensure_ascii=False, separators=(",", ":")),
            cursor=json.dumps({"corpus": case.name}, ensure_ascii=False),
        )
        lake.land(case.source, case.entity, DAY, load_id, [raw], datetime.now(UTC))
        case.load_ids.append(load_id)
