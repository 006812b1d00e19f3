"""Reading the civil-affairs database incrementally, in chunks, personal data pseudonymized.

Each table is read by ``update_time`` (the source's last-change column) over a range of
Asia/Shanghai days with one query, ordered by update time and primary key, through a
server-side cursor (``stream_results``) in chunks of ``chunk_rows``: a table is never in
memory whole; rows land in the partition of their own day.
Soft-deleted rows (``is_deleted = 1``) are landed like any other version; staging decides.
A closed day is read whole when re-materialized; an open day resumes from its cursor minus
the overlap (``connectors.common.ingest.resume_window``).

A connection lost in the middle of the stream (a server restart, a network path failing)
is reopened and the query resumed after the last row read, by (update_time, key): nothing
is read twice or skipped. It gives up after ``RECONNECTS`` losses in one read.

Before landing, names, resident ID numbers, phones and addresses become keyed pseudonyms
and masked display forms; each ID number's GB 11643 validity is recorded first
(``*_check``: valid / legacy_15 / bad_check_digit / malformed), since it cannot be
computed from the pseudonym.
"""

from __future__ import annotations

import json
import logging
import time
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, DateTime, Engine, Select, and_, create_engine, or_, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from connectors.civil_affairs.schema import PRIMARY_KEYS, TABLES
from connectors.common.errors import SourceError
from connectors.common.ingest import SHANGHAI, IngestResult, day_window, mark_done, resume_window
from connectors.common.lake import Lake, RawBatch, new_load_id, payloads_of
from connectors.common.personal import Pseudonymizer, protect_columns

SOURCE = "civil_affairs"
DEFAULT_OVERLAP = timedelta(minutes=60)
RECONNECTS = 5
CHECK_ATTEMPTS = 3  # tries of the connection check
log = logging.getLogger(__name__)
# column -> kind of personal data
PERSONAL = {
    "hz_xm": "name",
    "xm": "name",
    "hz_sfzh": "id_number",
    "sfzh": "id_number",
    "lxdh": "phone",
    "jtzz": "address",
}
FREE_TEXT = ("zfqk",)  # a home visit's findings, where a worker may note a phone or an ID number


def _jsonable(value):
    if type(value) is datetime and value.tzinfo is None:  # the common case, first
        return value.isoformat(" ", "seconds")
    if isinstance(value, datetime):  # the register's local wall time as stored: YYYY-MM-DD HH:MM:SS
        if value.tzinfo is not None:  # a column with a zone (timestamptz): its Asia/Shanghai wall time
            value = value.astimezone(SHANGHAI)
        return value.replace(tzinfo=None).isoformat(" ", "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def rows_query(table_name: str, lo: datetime, hi: datetime, after: tuple | None = None) -> Select:
    """The read of the rows updated in [lo, hi) (the register keeps local wall time), in
    (update_time, key) order; with `after`, only the rows after that (update_time, key)."""
    table = TABLES[table_name]
    pk, updated = table.c[PRIMARY_KEYS[table_name]], table.c.update_time
    lo_naive, hi_naive = lo.astimezone(SHANGHAI).replace(tzinfo=None), hi.astimezone(SHANGHAI).replace(tzinfo=None)
    where = [updated >= lo_naive, updated < hi_naive]
    if after is not None:
        where.append(or_(updated > after[0], and_(updated == after[0], pk > after[1])))
    return select(table).where(and_(*where)).order_by(updated, pk)


def _chunks(
    engine: Engine, table_name: str, lo: datetime, hi: datetime, chunk: int, losses: list | None = None
) -> Iterator[tuple[list[str], list[tuple]]]:
    """The rows updated in [lo, hi) in (update_time, key) order, streamed in chunks of at most
    `chunk` rows: (column names, rows), times as the register's wall-time text. A lost
    connection is reopened and the read resumed after the last row of the last chunk
    yielded (each loss appended to `losses`)."""
    table = TABLES[table_name]
    key = PRIMARY_KEYS[table_name]
    after = None  # (update_time, key) of the last row yielded
    lost = 0
    while True:
        query = rows_query(table_name, lo, hi, after)
        try:
            with engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
                names = list(result.keys())
                at_time, at_key = names.index("update_time"), names.index(key)
                times = [i for i, n in enumerate(names) if isinstance(table.c[n].type, (Date, DateTime))]
                while rows := result.fetchmany(chunk):
                    after = (rows[-1][at_time], rows[-1][at_key])
                    columns = list(zip(*rows, strict=True))
                    for i in times:
                        columns[i] = list(map(_jsonable, columns[i]))
                    yield names, list(zip(*columns, strict=True))
            return
        except (OperationalError, InterfaceError) as exc:
            lost += 1
            if losses is not None:
                losses.append(type(exc.orig).__name__)
            if lost > RECONNECTS:
                raise SourceError(
                    f"civil_affairs: reading {table.name} lost the database connection {lost} times "
                    f"(last: {type(exc.orig).__name__})"
                ) from None
            log.warning(
                "civil_affairs: %s: connection lost (%s); resuming after the last row read",
                table.name,
                type(exc.orig).__name__,
            )
            time.sleep(min(5.0, 0.2 * 2**lost))


def _by_day(days: list[str]) -> Iterator[tuple[str, int, int]]:
    """(day, first row, end row) of each run of one day in rows ordered by update time."""
    start = 0
    while start < len(days):
        day = days[start]
        end = bisect_right(days, day, start)  # the rows are in update order: a day's rows are one run
        yield day, start, end
        start = end


def ingest_table_days(
    engine: Engine,
    lake: Lake,
    table_name: str,
    first: date,
    last: date,
    pseudo: Pseudonymizer,
    chunk: int = 5000,
    now: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> list[IngestResult]:
    """Land the rows of days [first, last] with one streamed query, day by day as they come.

    Rows arrive in update order, so each day's rows are landed (and committed) as soon as
    the next day's first row shows up: memory holds one day and a chunk. A chunk is
    pseudonymized a column at a time. A day without rows leaves no file; its cursor still
    moves. This is also the initial load: a range from the start of the partitions reads
    the whole register once.
    """
    now = now or datetime.now(SHANGHAI)
    lo, _ = resume_window(lake, SOURCE, table_name, first, now, overlap)
    hi = min(day_window(last)[1], now)
    load_id = new_load_id()
    pk = PRIMARY_KEYS[table_name]
    cursor = json.dumps(
        {"table": TABLES[table_name].name, "update_time_from": lo.isoformat(), "update_time_to": hi.isoformat()}
    )
    window = (lo.isoformat(), hi.isoformat())
    results: list[IngestResult] = []
    losses: list[str] = []
    with lake.landing(SOURCE, table_name, load_id, datetime.now(UTC), batch_rows=chunk * 10) as landing:

        def finish(day: str) -> None:
            rows, files = landing.finish(day)
            results.append(IngestResult(table_name, day, load_id, rows, 0, files, window))

        for names, rows in _chunks(engine, table_name, lo, hi, chunk, losses) if lo < hi else []:
            at_key, at_time = names.index(pk), names.index("update_time")
            out_names, out_rows = protect_columns(names, rows, pseudo, PERSONAL, FREE_TEXT)
            keys = [str(r[at_key]) for r in rows]
            updated = [r[at_time] for r in rows]
            payloads = payloads_of([dict(zip(out_names, r, strict=True)) for r in out_rows])
            for day, start, end in _by_day([u[:10] for u in updated]):
                for open_day in landing.days:
                    if open_day != day:  # the day before is complete
                        finish(open_day)
                landing.add(day, RawBatch(keys[start:end], updated[start:end], payloads[start:end], cursor))
        for open_day in landing.days:
            finish(open_day)
        if not results:  # a load that found nothing still leaves its (empty) file
            finish(last.isoformat())
    results[-1].retries = len(losses)  # the reconnections of this read
    # every day of the range is now landed up to hi
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    mark_done(lake, SOURCE, table_name, {d: min(day_window(d)[1], hi) for d in days})
    return results


def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True)


def check_connection(engine: Engine) -> int:
    """Fails with SourceError when the database cannot be reached or lacks the register's
    tables; the message names the server and the problem, never a password. The retries it
    took (a register locked by its writer, or a connection lost, passes)."""
    url = engine.url.render_as_string(hide_password=True)
    for attempt in range(CHECK_ATTEMPTS):
        try:
            with engine.connect() as conn:
                for table in TABLES.values():
                    conn.execute(select(table.c.update_time).limit(1)).all()
            return attempt
        except (OperationalError, InterfaceError) as exc:
            if attempt + 1 == CHECK_ATTEMPTS:
                raise SourceError(f"civil_affairs: cannot read {url}: {type(exc.orig).__name__}") from None
            time.sleep(0.2 * 2**attempt)
        except DBAPIError as exc:  # reached, but not the register (a table or column missing)
            raise SourceError(
                f"civil_affairs: {url} is not the register's database: {type(exc.orig).__name__}"
            ) from None
