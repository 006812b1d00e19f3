"""`govhub`: run the platform from the command line (README, "Command line", says more).

govhub demo [--preset tiny|city] [--days N] [--end DATE] [--warehouse PATH] [--keep] [--faults PROFILE] ...
govhub sandbox serve [--preset ...] [--start DATE] [--end DATE] [--live] [--smart-city-server KIND] ...
govhub ingest SOURCE [--since DATE] [--until DATE]
govhub new-source NAME [--title TITLE]
govhub dev [--preset tiny|city] [--port N] [--docs-port N]
govhub docs [--serve [PORT]]
govhub points explain --worker STAFF_ID --month YYYY-MM
govhub scorecard [--month YYYY-MM] [--out DIR] [--indicator KEY]
govhub assessment [--year YYYY] [--out DIR] [--no-pdf]
govhub alerts test
govhub backup --to DIR
govhub restore --from DIR [--no-build]
govhub retention apply [--as-of DATE] [--dry-run] [--no-build]
govhub keys rotate [--no-build]
govhub upgrade check
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from connectors.common.errors import ConfigError, SourceError
from connectors.common.timezone import SHANGHAI
from govhub.processes import run_in_foreground
from orchestration.runner import Stopped, StopSignals
from quality.site import serve as serve_data_docs
from sandbox.process import SandboxProcess


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def default_window(today: date, days: int | None) -> tuple[date, date]:
    """[start, end): by default from the 1st of last month to today, so at least one whole
    calendar month is in it; with --days, the N days before today."""
    end = today
    if days:
        return end - timedelta(days=days), end
    first_this_month = today.replace(day=1)
    return (first_this_month - timedelta(days=1)).replace(day=1), end


FAULTS_HELP = (
    "faults the stand-ins inject (sandbox/faults.py): a profile for every source (none, flaky, chaos) "
    "or per source, e.g. smart_city=chaos,petitions=flaky"
)


def _checked_by(parse):
    """An argparse type: the value as given, once `parse` (which raises ValueError on a bad
    one) has taken it."""

    def check(value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return check


def _preset(value: str) -> str:
    from sandbox.world.presets import get_preset

    return _checked_by(get_preset)(value)


def _faults(value: str) -> str:
    from sandbox.faults import parse_faults

    return _checked_by(parse_faults)(value)


def _progress(msg: str, started: float, out=None) -> None:
    print(f"[{time.monotonic() - started:7.1f}s] {msg}", file=out or sys.stdout, flush=True)


# --- sandbox ---------------------------------------------------------------------------
def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from sandbox.serve import SandboxConfig, start_sandbox

    today = datetime.now(SHANGHAI).date()
    start, end = default_window(today, None)
    if args.scenario:  # its own window, unless the flags say otherwise
        from sandbox.scenario import Scenario

        scenario = Scenario.load(args.scenario)
        start, end = scenario.start, scenario.end
    cfg = SandboxConfig(
        preset=args.preset,
        seed=args.seed,
        start=args.start or start,
        end=args.end or end,
        scenario=args.scenario,
        frozen=not args.live,
        host=args.host,
        smart_city_port=args.port,
        smart_city_server=args.smart_city_server,
        civil_affairs_url=args.civil_affairs_url,
        petitions_inbox=args.petitions_inbox,
        faults=args.faults,
        cache_responses=args.cache,
    )
    t0 = time.monotonic()
    running = start_sandbox(cfg)
    env = running.env()
    if args.env_json:
        print(json.dumps(env), flush=True)
    else:
        clock = "wall time" if args.live else f"frozen at {cfg.end} 00:00 +08:00"
        print(
            f"Kaifeng sandbox ({cfg.preset}, seed {cfg.seed}, events {cfg.start}..{cfg.end}, clock {clock}) "
            f"ready in {time.monotonic() - t0:.1f}s",
            flush=True,
        )
        for name, server in running.servers.items():
            print(f"  {name:14s} {server.url}")
        print(f"  {'civil_affairs':14s} the database at GOVHUB_CIVIL_AFFAIRS_DB_URL")
        print(f"  {'petitions':14s} {running.petitions_inbox}")
        if args.faults:
            print(f"Faults: {args.faults} (sandbox/faults.py)" + "".join(f"\n  note: {n}" for n in running.notes))
        print("Point the connectors at it (secrets included: keep this shell private):")
        for k, v in env.items():
            print(f"  export {k}={v}")
        print("Ctrl-C stops.", flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        while not stop:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    running.stop()
    try:
        if args.env_json:  # the parent reads what was injected
            print(json.dumps({"faults": running.fault_report(), "notes": running.notes}), flush=True)
        else:
            for source, counts in running.fault_report().items():
                print(f"faults injected into {source}: {counts}", flush=True)
    except BrokenPipeError:  # the parent is gone: nobody to tell
        sys.stdout = None
    return 0


# --- demo ------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    with StopSignals():  # Ctrl-C or SIGTERM: the run going on stops, the stand-ins too (Stopped)
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    if args.warehouse:
        os.environ["GOVHUB_WAREHOUSE_PATH"] = os.path.abspath(args.warehouse)
        os.environ.pop("GOVHUB_LAKE_DIR", None)
    from warehouse.settings import configure_environment

    settings = configure_environment()
    t0 = time.monotonic()
    today = args.end or datetime.now(SHANGHAI).date()
    start, end = default_window(today, args.days)
    land_from = args.land_from or start
    if not start <= land_from < end:
        raise ConfigError(f"--land-from {land_from} is outside the window {start} .. {end - timedelta(days=1)}")
    _progress(
        f"window {start} .. {end - timedelta(days=1)} ({(end - start).days} days), preset {args.preset}, "
        f"warehouse {settings.warehouse_path}",
        t0,
    )
    if args.verbose:
        shown = contextlib.nullcontext(sys.stdout)
    else:  # Dagster's, dbt's and the libraries' own lines go to the log
        from govhub.console import output_to

        log = settings.warehouse_path.parent / "logs" / f"demo-{datetime.now(SHANGHAI):%Y%m%dT%H%M%S}.log"
        _progress(f"everything else the run prints goes to {log} (--verbose shows it here)", t0)
        shown = output_to(log)
    if args.fresh:
        _remove_warehouse(settings)
    with shown as out:
        failure, retries, report = _demo_runs(
            args, settings, start, land_from, end, lambda msg: _progress(msg, t0, out), out
        )
    from orchestration.dbt.project import ensure_manifest
    from warehouse.summary import summary

    _progress("done" if failure is None else "done, with failures", t0)
    print(summary(settings.warehouse_path, ensure_manifest(), settings.lake_dir))
    if args.faults:
        print(_fault_lines(report, retries))
    if failure is not None:
        print(f"govhub: {failure}", file=sys.stderr)
        return 1
    return 0


def _demo_runs(args: argparse.Namespace, settings, start: date, land_from: date, end: date, say, out):
    """The stand-ins up, the pipeline over the window, the stand-ins down: (the failure or
    None, the connectors' retries, the faults the stand-ins injected)."""
    from govhub.console import RunBar
    from orchestration.runner import PipelineError, run_pipeline

    keys = settings.pseudonym_keys()  # the user's, or the lake's: never one per run
    sandbox = SandboxProcess(args.preset, args.seed, start, end, args.faults)
    failure = None
    try:
        os.environ.update(sandbox.env, **keys)
        say(
            "stand-ins up: "
            + ", ".join(f"{k}={v}" for k, v in sandbox.env.items() if k.endswith("_URL") and "DB_URL" not in k)
        )
        try:
            retries = run_pipeline(land_from, end, say, executor=args.executor, watch=RunBar(out))
        except PipelineError as exc:  # a source failed; the others went on
            failure, retries = exc, exc.retries
    finally:
        sandbox.stop()
    return failure, retries, sandbox.report


def _fault_lines(report: dict, retries: dict[str, int]) -> str:
    """Per source: the faults the stand-ins injected and the retries the connectors made."""
    lines = ["Faults injected (sandbox/faults.py) and retries made"]
    for source in sorted(set(report.get("faults", {})) | set(retries)):
        counts = report.get("faults", {}).get(source, {})
        injected = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        lines.append(f"  {source:14s} retries {retries.get(source, 0):>4}; injected: {injected}")
    lines += [f"  note: {n}" for n in report.get("notes", [])]
    return "\n".join(lines)


def _remove_warehouse(settings) -> None:
    import shutil

    if settings.warehouse_path.exists():
        settings.warehouse_path.unlink()
    for p in (settings.lake_dir / "raw", settings.lake_dir / "_state"):
        shutil.rmtree(p, ignore_errors=True)


# --- dev ---------------------------------------------------------------------------------
def cmd_dev(args: argparse.Namespace) -> int:
    """The Dagster UI on a warehouse of its own per world, with the stand-ins serving the
    demo's window (or the sources the GOVHUB_* settings point at already, a running sandbox
    included). Ctrl-C or SIGTERM stops the UI, its daemon and the stand-ins."""
    from orchestration.quality import quality_dir
    from orchestration.runner import dagster_instance
    from warehouse.settings import DEFAULT_WAREHOUSE, configure_environment

    if args.warehouse:
        os.environ["GOVHUB_WAREHOUSE_PATH"] = os.path.abspath(args.warehouse)
        os.environ.pop("GOVHUB_LAKE_DIR", None)
    elif not os.environ.get("GOVHUB_WAREHOUSE_PATH") and args.preset != "city":
        # the city world is the demo's warehouse; any other has one of its own
        os.environ["GOVHUB_WAREHOUSE_PATH"] = str(
            DEFAULT_WAREHOUSE.parent / "worlds" / args.preset / DEFAULT_WAREHOUSE.name
        )
    settings = configure_environment()
    instance_dir = Path(dagster_instance().root_directory)
    try:
        docs = serve_data_docs(quality_dir(settings.lake_dir) / "data_docs", args.docs_port)
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the Data Docs on port {args.docs_port} ({exc.strerror}): give --docs-port"
        ) from None
    os.environ["GOVHUB_DATA_DOCS_URL"] = docs
    print(f"Dagster UI    http://127.0.0.1:{args.port}  (ready in about a minute)", flush=True)
    print(f"GX Data Docs  {docs}/index.html", flush=True)
    print(f"warehouse     {settings.warehouse_path}  (Dagster runs in {instance_dir})", flush=True)
    sandbox = None
    try:
        if os.environ.get("GOVHUB_SMART_CITY_URL"):
            print(
                f"sources       the running ones the GOVHUB_* settings name ({os.environ['GOVHUB_SMART_CITY_URL']}, ...)"
            )
        else:
            start, end = default_window(datetime.now(SHANGHAI).date(), None)
            print(
                f"stand-ins     {args.preset} world, events {start} .. {end - timedelta(days=1)}: starting", flush=True
            )
            sandbox = SandboxProcess(args.preset, args.seed, start, end)
            os.environ.update(sandbox.env)
        print("Ctrl-C stops the UI, its daemon and the stand-ins.", flush=True)
        dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
        cmd = [dagster, "dev", "-m", "orchestration.definitions", "-p", str(args.port), "--log-level", args.log_level]
        return run_in_foreground(cmd)
    except KeyboardInterrupt:
        return 0
    finally:
        if sandbox:
            sandbox.stop()


# --- ingest ----------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    """Land one source's entities for days [since, until] (whole lists first; a source landed
    by file lands every file not landed yet), as its Dagster assets do."""
    from connectors.common.contract import Window
    from connectors.common.http import RetryPolicy
    from connectors.common.lake import Lake
    from connectors.common.settings import every_problem
    from connectors.registry import connector
    from warehouse.settings import WarehouseSettings, configure_environment

    with every_problem():  # every setting the run needs, each problem named in one message
        WarehouseSettings.from_env()
        RetryPolicy.from_env()
        source = connector(args.source).from_env()
    lake = Lake(configure_environment().lake_dir)
    today = datetime.now(SHANGHAI).date()
    since, until = args.since or today, args.until or today
    if until < since:
        raise ConfigError("--until is before --since")
    t0 = time.monotonic()
    totals = {"records": 0, "retries": 0}

    def report(entity, r) -> None:
        totals["records"] += r.records
        totals["retries"] += r.retries
        if r.not_offered:
            _progress(f"{args.source} {entity}: not offered by the source; nothing landed", t0)
            return
        where = r.partition if r.window is None else f"{r.window[0]} .. {r.window[1]}"
        _progress(f"{args.source} {entity} {where}: {r.records} records in {r.pages} pages", t0)

    with source:
        for r in source.land(lake, Window(since, until)):
            report(r.entity, r)
    _progress(
        f"{totals['records']} records landed under {lake.root / 'raw' / args.source}; {totals['retries']} retries", t0
    )
    return 0


def cmd_points_explain(args: argparse.Namespace) -> int:
    """A worker's month from the published copy (never the file a build is writing)."""
    from govhub.points import explain
    from warehouse.duckdb import connect_for_reading
    from warehouse.settings import WarehouseSettings

    con, _ = connect_for_reading(WarehouseSettings.from_env().warehouse_path)
    try:
        print(explain(con, args.worker, args.month))
    except ValueError as exc:
        print(f"govhub: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 0


def cmd_scorecard(args: argparse.Namespace) -> int:
    """A month's scorecard (Excel workbook and HTML report) from the published copy of the
    warehouse (never the file a build is writing): the same files the
    `reports/monthly_scorecard` asset writes."""
    from reports import MAP_INDICATORS, write_scorecard
    from warehouse.duckdb import connect_for_reading
    from warehouse.settings import WarehouseSettings

    if args.indicator not in MAP_INDICATORS:
        print(f"govhub: --indicator must be one of {', '.join(MAP_INDICATORS)}", file=sys.stderr)
        return 2
    settings = WarehouseSettings.from_env()
    month = args.month or (datetime.now(SHANGHAI).date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out = Path(args.out) if args.out else settings.reports_dir
    con, _ = connect_for_reading(settings.warehouse_path)
    try:
        card, xlsx, html = write_scorecard(con, month, out, args.indicator)
    except ValueError as exc:
        print(f"govhub: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    state = "closed" if card.closed else "not closed yet: they may still change"
    print(f"{month} scorecard (points {state}):\n  {xlsx}\n  {html}")
    return 0


def cmd_assessment(args: argparse.Namespace) -> int:
    """A year's department assessment (workbook, HTML report with each department's tasks and
    petitions, PDF for signing) from the published copy: what the
    `reports/annual_assessment` asset writes."""
    from reports.assessment import write_assessment
    from warehouse.duckdb import connect_for_reading
    from warehouse.settings import WarehouseSettings

    settings = WarehouseSettings.from_env()
    year = args.year or str(datetime.now(SHANGHAI).year - 1)
    out = Path(args.out) if args.out else settings.reports_dir
    con, _ = connect_for_reading(settings.warehouse_path)
    try:
        report, paths = write_assessment(con, year, out, pdf=not args.no_pdf)
    except (ValueError, RuntimeError) as exc:
        print(f"govhub: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    state = "final" if report.final else "provisional: the year has not ended"
    print(f"{year} department assessment ({state}):\n  " + "\n  ".join(str(p) for p in paths.values()))
    return 0


def cmd_new_source(args: argparse.Namespace) -> int:
    from connectors.scaffold import PROJECT_ROOT, new_source

    written = new_source(args.name, args.title)
    for path in written:
        print(f"  wrote      {path.relative_to(PROJECT_ROOT)}")
    print(f"  registered {args.name} in connectors/registry.py and in dbt's landed_entities()")
    print(
        f"Next: .venv/bin/pytest tests/connectors -k {args.name} (the acceptance suite runs on it); then replace "
        f"the template's protocol with the system's own (docs/new-source.md)."
    )
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """The dbt documentation site (every model and column, Chinese labels, lineage) from the
    warehouse as built; `--serve` then serves it on localhost."""
    from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_project
    from warehouse.duckdb import ensure_readable
    from warehouse.settings import configure_environment

    ensure_readable(configure_environment().warehouse_path)  # one clear line while a build writes it
    dbt = [str(Path(sys.executable).parent / "dbt")]
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    done = subprocess.run([*dbt, "docs", "generate", *common])
    if done.returncode != 0:
        return done.returncode
    print(f"dbt docs: {DBT_PROJECT_DIR / dbt_project().target_path / 'index.html'}", flush=True)
    if args.serve is not None:
        print(f"serving it on http://127.0.0.1:{args.serve} (Ctrl-C stops)", flush=True)
        return run_in_foreground([*dbt, "docs", "serve", *common, "--port", str(args.serve), "--no-browser"])
    return 0


class _Parser(argparse.ArgumentParser):
    """Bad arguments end in one line that says what is wrong and where the help is."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Sends a test alert to every channel set (GOVHUB_ALERT_WEBHOOK_URL, GOVHUB_SMTP_*), as the
    alert sensors would send one: what an operator runs after setting them."""
    from orchestration.alerts.notify import TITLE, Alert, AlertNotDelivered, AlertSettings, send

    settings = AlertSettings.from_env()
    if not settings.channels:
        print("govhub: no alert channel is set (GOVHUB_ALERT_WEBHOOK_URL, GOVHUB_SMTP_HOST)", file=sys.stderr)
        return 2
    alert = Alert(
        f"[{TITLE}] 告警测试 Alert test",
        ["这是一条测试消息：告警通道可用。 A test message: the alert channels work."],
        settings.dagster_url,
    )
    try:
        delivered = send(alert, settings)
    except AlertNotDelivered as e:
        print(f"govhub: {e}", file=sys.stderr)
        return 1
    missed = [c for c in settings.channels if c not in delivered]
    print(f"test alert sent by: {', '.join(delivered)}" + (f"; not by: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Backs the lake, the closed months and the settings that are not secrets up into
    --to (warehouse/backup.py); into an earlier backup's folder, only what is new is copied."""
    from warehouse.backup import backup
    from warehouse.settings import configure_environment

    settings = configure_environment()
    started = time.monotonic()
    result = backup(settings.lake_dir, settings.warehouse_path, Path(args.to))
    print(
        f"backup in {result.folder}: {result.files} files, {result.bytes / 2**20:.1f} MiB "
        f"({result.copied_files} lake files, {result.copied_bytes / 2**20:.1f} MiB copied this time), "
        f"{len(result.closed_months)} closed months, {time.monotonic() - started:.1f} s; "
        "the pseudonym key is not in it: keep GOVHUB_PSEUDONYM_KEY with the secrets"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restores a backup into an empty lake and a new warehouse, then builds the warehouse
    from the lake (unless --no-build)."""
    from warehouse.backup import restore
    from warehouse.retention import load_audit
    from warehouse.settings import configure_environment

    settings = configure_environment()
    started = time.monotonic()
    manifest = restore(Path(args.from_), settings.lake_dir, settings.warehouse_path)
    print(
        f"restored the backup of {manifest['taken_at']}: {len(manifest['files'])} files, "
        f"{len(manifest['closed_months'])} closed months ({', '.join(manifest['closed_months']) or 'none'})"
    )
    if not os.environ.get("GOVHUB_PSEUDONYM_KEY") and not (settings.lake_dir / "_state" / "pseudonym_key").exists():
        print(
            "govhub: the pseudonym key is not set: put it back (GOVHUB_PSEUDONYM_KEY) before landing again, "
            "or new pseudonyms will not join the restored ones",
            file=sys.stderr,
        )
    load_audit(settings.lake_dir, settings.warehouse_path)
    if args.no_build:
        return 0
    if not _built(False, settings.warehouse_path, "restore"):
        return 1
    print(f"warehouse built from the restored lake at {settings.warehouse_path} ({time.monotonic() - started:.1f} s)")
    return 0


def _built(full_refresh: bool, warehouse_path: Path, command: str) -> bool:
    """The warehouse_build job run once (from scratch with `full_refresh`), what it prints in
    a log beside the warehouse; False, said on stderr, when it failed."""
    from govhub.console import output_to
    from orchestration.runner import PipelineError, build_warehouse

    log = warehouse_path.parent / "logs" / f"{command}-{datetime.now(SHANGHAI):%Y%m%dT%H%M%S}.log"
    print(f"building the warehouse{' from scratch' if full_refresh else ''} (warehouse_build; its output: {log})")
    failure = None
    with output_to(log):
        try:
            build_warehouse(full_refresh=full_refresh)
        except PipelineError as exc:
            failure = exc
    if failure is not None:
        print(
            f"govhub: {failure}; the lake is as the command left it: run the warehouse_build job again ({log})",
            file=sys.stderr,
        )
        return False
    return True


def cmd_retention_apply(args: argparse.Namespace) -> int:
    """Removes what the retention policy says is past from the lake and the closed months,
    records it, builds the warehouse from scratch and checks the closed months kept."""
    from warehouse.retention import apply_to_lake, expire_closed_months, load_policy, record, verify_closed_months
    from warehouse.settings import configure_environment

    settings = configure_environment()
    policy = load_policy()
    day = args.as_of or datetime.now(SHANGHAI).date()
    started = time.monotonic()
    run = apply_to_lake(settings.lake_dir, policy, day, dry_run=args.dry_run)
    months = expire_closed_months(settings.warehouse_path, policy, run)
    verb = "would remove" if args.dry_run else "removed"
    print(f"retention as of {day} ({policy.source}), run {run.run_id}:")
    for r in run.removals:
        if r.rows or r.records or r.files:
            print(
                f"  {r.rule:<24} {r.entity:<30} before {r.cutoff}: {verb} {r.records} records, {r.rows} rows"
                + (f", {r.files} files" if r.files else "")
            )
    print(
        f"  {sum(r.rows for r in run.removals if r.rule != 'closed_month')} lake rows {verb}; closed months "
        f"{verb}: {', '.join(months) or 'none'} ({time.monotonic() - started:.1f} s)"
    )
    if args.dry_run:
        return 0
    record(settings.lake_dir, settings.warehouse_path, run)
    if args.no_build:
        print(
            "the warehouse still holds what was removed until it is built from scratch (warehouse_build, full refresh)"
        )
        return 0
    if not _built(True, settings.warehouse_path, "retention"):
        return 1
    kept = verify_closed_months(settings.warehouse_path)
    changed = [m for m, same in kept.items() if not same]
    print(
        f"warehouse built from scratch; closed months kept: {', '.join(kept) or 'none'}, "
        + (
            f"NOT scoring again to their figures: {', '.join(changed)}"
            if changed
            else "each scoring again to its figures"
        )
        + f" ({time.monotonic() - started:.1f} s)"
    )
    return 1 if changed else 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Re-keys every pseudonym of the lake to a new key (warehouse/rotation.py), then builds
    the warehouse from scratch."""
    from warehouse.rotation import rotate
    from warehouse.settings import configure_environment

    settings = configure_environment()
    key_file = None if os.environ.get("GOVHUB_PSEUDONYM_KEY") else settings.pseudonym_key_file
    if key_file is not None and not key_file.exists():
        raise ConfigError("GOVHUB_PSEUDONYM_KEY is not set and the lake keeps no key: there is nothing to rotate from")
    t0 = time.monotonic()
    report = rotate(settings.lake_dir, dict(os.environ), key_file, lambda m: _progress(m, t0))
    print(
        f"rotated to key {report.new_key_id}"
        + (" (resumed)" if report.resumed else "")
        + f": {report.files} files, {report.rows} rows, {sum(report.rekeyed.values())} pseudonyms re-keyed "
        f"in {len(report.rekeyed)} fields, {report.fingerprints} near-real-time fingerprints; "
        f"{len(report.joins)} joins between fields checked ({report.seconds:.1f} s)"
    )
    if key_file is None:
        print(
            "now set GOVHUB_PSEUDONYM_KEY to the new key (GOVHUB_NEW_PSEUDONYM_KEY) and append the old one to "
            "GOVHUB_PSEUDONYM_RETIRED_KEYS (comma-separated, oldest first) wherever sources land; "
            "landing with the old key alone is refused from now on"
        )
    else:
        print(f"the lake's keys ({key_file}) now end with the new one")
    if args.no_build or not _built(True, settings.warehouse_path, "keys-rotate"):
        return 0 if args.no_build else 1
    print(f"warehouse built from scratch from the re-keyed lake ({time.monotonic() - t0:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="govhub", description="Kaifeng grid-governance data hub")
    sub = p.add_subparsers(dest="command", required=True)
    _demo_command(sub)
    _sandbox_command(sub)
    _dev_command(sub)
    _points_command(sub)
    _scorecard_command(sub)
    _assessment_command(sub)
    _docs_command(sub)
    _ingest_command(sub)
    _new_source_command(sub)
    _alerts_command(sub)
    _backup_commands(sub)
    _operations_commands(sub)
    return p


def _demo_command(sub) -> None:
    from orchestration.runner import EXECUTORS
    from sandbox.world import DEFAULT_SEED

    d = sub.add_parser("demo", help="run the whole pipeline on the sandbox sources")
    d.add_argument("--preset", type=_preset, default="city", help="tiny, city or cityxK (default city)")
    d.add_argument("--days", type=int, help="window of N days before --end (default: from the 1st of last month)")
    d.add_argument("--end", type=_date, help="first day after the window (default: today, Asia/Shanghai)")
    d.add_argument("--warehouse", help="DuckDB file (default warehouse/kaifeng.duckdb)")
    d.add_argument("--seed", type=int, default=DEFAULT_SEED)
    d.add_argument(
        "--keep", dest="fresh", action="store_false", help="keep the existing warehouse and lake (default: start fresh)"
    )
    d.add_argument("--faults", type=_faults, help=FAULTS_HELP)
    d.add_argument(
        "--land-from",
        type=_date,
        help="land the days from this one only (the stand-ins still serve the whole window): a daily run with --keep",
    )
    d.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="in_process",
        help="run each job in this process (in_process, the default) or each step in a process of its own "
        "(multiprocess, Dagster's multiprocess executor, as a deployment runs them)",
    )
    d.add_argument(
        "--verbose",
        action="store_true",
        help="show Dagster's, dbt's and the libraries' output (default: in a log file)",
    )
    d.set_defaults(func=cmd_demo)


def _sandbox_command(sub) -> None:
    from sandbox.smart_city.server import parse_server
    from sandbox.world import DEFAULT_SEED

    s = sub.add_parser("sandbox", help="the source stand-ins")
    ssub = s.add_subparsers(dest="sandbox_command", required=True)
    serve = ssub.add_parser("serve", help="run the stand-ins in the foreground and print their URLs")
    serve.add_argument("--preset", type=_preset, default="tiny", help="tiny (default), city or cityxK")
    serve.add_argument("--seed", type=int, default=DEFAULT_SEED)
    serve.add_argument("--start", type=_date)
    serve.add_argument("--end", type=_date)
    serve.add_argument("--live", action="store_true", help="wall-clock time instead of a clock frozen at --end")
    serve.add_argument(
        "--scenario", help="a hand-written scenario (YAML, see sandbox/scenario.py) served beside the world"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="Smart City port (default: any free one)")
    serve.add_argument(
        "--smart-city-server",
        type=_checked_by(parse_server),
        default="kaifeng",
        help="the kind of Open311 server Smart City is: kaifeng (the platform's own, default), or a plain "
        "GeoReport v2 one: plain (no extension lists, its own order), reversed, shuffled, capped:N "
        "(page and page_size ignored, at most N requests an answer)",
    )
    serve.add_argument(
        "--civil-affairs-url",
        help="SQLAlchemy URL to write the civil-affairs database to (default: a SQLite file in a temporary folder)",
    )
    serve.add_argument("--petitions-inbox", help="folder to export the petition files into (default: a temporary one)")
    serve.add_argument("--env-json", action="store_true", help="print the GOVHUB_* settings as one JSON line")
    serve.add_argument("--faults", type=_faults, help=FAULTS_HELP)
    serve.add_argument(
        "--cache", action="store_true", help="serve each answer again from memory (benchmarks; frozen clock, no faults)"
    )
    serve.set_defaults(func=cmd_sandbox_serve)


def _dev_command(sub) -> None:
    from sandbox.world import DEFAULT_SEED

    dv = sub.add_parser("dev", help="Dagster UI on the embedded warehouse, stand-ins serving")
    dv.add_argument(
        "--preset",
        type=_preset,
        default="tiny",
        help="the stand-ins' world (default tiny, up in seconds; city is the demo's, with its warehouse and runs)",
    )
    dv.add_argument("--seed", type=int, default=DEFAULT_SEED)
    dv.add_argument(
        "--warehouse",
        help="DuckDB file (default warehouse/kaifeng.duckdb for city, warehouse/worlds/<preset>/ for other worlds)",
    )
    dv.add_argument("--port", type=int, default=3000, help="port of the Dagster UI (default 3000)")
    dv.add_argument("--docs-port", type=int, default=3001, help="port of the GX Data Docs site (default 3001)")
    dv.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="what the UI and its daemon print (default warning)",
    )
    dv.set_defaults(func=cmd_dev)


def _points_command(sub) -> None:
    pts = sub.add_parser("points", help="grid-worker points")
    psub = pts.add_subparsers(dest="points_command", required=True)
    ex = psub.add_parser("explain", help="a worker's month: total, rank, grade and every ledger line with its reason")
    ex.add_argument("--worker", required=True, help="staff id of the grid worker")
    ex.add_argument("--month", required=True, help="YYYY-MM (Asia/Shanghai)")
    ex.set_defaults(func=cmd_points_explain)


def _scorecard_command(sub) -> None:
    sc = sub.add_parser("scorecard", help="write a month's scorecard: Excel workbook and HTML report")
    sc.add_argument("--month", help="YYYY-MM (Asia/Shanghai; default the month before this one)")
    sc.add_argument("--out", help="folder (default: GOVHUB_REPORTS_DIR, or reports/ beside the warehouse)")
    sc.add_argument(
        "--indicator",
        default="events_reported",
        help="what the report's map is coloured by when it opens: events_reported, close_rate, on_time_rate, "
        "alarm_arrival_rate, services_delivered, disputes_resolved or worker_points",
    )
    sc.set_defaults(func=cmd_scorecard)


def _assessment_command(sub) -> None:
    asm = sub.add_parser("assessment", help="write a year's department assessment: Excel workbook, HTML report and PDF")
    asm.add_argument("--year", help="YYYY (default the year before this one)")
    asm.add_argument("--out", help="folder (default: GOVHUB_REPORTS_DIR, or reports/ beside the warehouse)")
    asm.add_argument("--no-pdf", action="store_true", help="leave out the PDF (it needs Chromium)")
    asm.set_defaults(func=cmd_assessment)


def _docs_command(sub) -> None:
    doc = sub.add_parser("docs", help="build the dbt documentation site of the warehouse")
    doc.add_argument("--serve", type=int, nargs="?", const=8080, metavar="PORT", help="then serve it (default 8080)")
    doc.set_defaults(func=cmd_docs)


def _ingest_command(sub) -> None:
    from connectors.registry import SOURCES

    i = sub.add_parser("ingest", help="run one connector against its configured endpoint")
    i.add_argument("source", choices=list(SOURCES))
    i.add_argument("--since", type=_date, help="first day (default today)")
    i.add_argument("--until", type=_date, help="last day, inclusive (default today)")
    i.set_defaults(func=cmd_ingest)


def _new_source_command(sub) -> None:
    n = sub.add_parser(
        "new-source",
        help="write a new source from the template: connector, stand-in, GX suite, dbt staging, tests (docs/new-source.md)",
    )
    n.add_argument("name", help="the source's slug, e.g. water_supply (lake folder, GOVHUB_<NAME>_*, dbt models)")
    n.add_argument("--title", help="what the system is called, e.g. '供水 Water supply'")
    n.set_defaults(func=cmd_new_source)


def _alerts_command(sub) -> None:
    al = sub.add_parser("alerts", help="the alert channels (webhook, e-mail)")
    asub = al.add_subparsers(dest="alerts_command", required=True)
    test = asub.add_parser("test", help="send a test alert to every channel set")
    test.set_defaults(func=cmd_alerts_test)


def _backup_commands(sub) -> None:
    b = sub.add_parser("backup", help="back the lake, the closed months and the settings up into a folder")
    b.add_argument(
        "--to", required=True, metavar="DIR", help="the backup's folder (an earlier backup there is updated)"
    )
    b.set_defaults(func=cmd_backup)
    r = sub.add_parser("restore", help="restore a backup into an empty lake and a new warehouse, then build it")
    r.add_argument("--from", dest="from_", required=True, metavar="DIR", help="the backup's folder")
    r.add_argument("--no-build", action="store_true", help="restore only; the next run builds the warehouse")
    r.set_defaults(func=cmd_restore)


def cmd_upgrade_check(args: argparse.Namespace) -> int:  # noqa: ARG001 - argparse hands every command its args
    """The lake, the warehouse and its BI copy against what this version expects, each with
    what to do (warehouse/upgrade.py); 1 when something must be refused."""
    from orchestration.dbt.project import ensure_manifest
    from warehouse.settings import configure_environment
    from warehouse.upgrade import check, worst

    settings = configure_environment()
    findings = check(settings.lake_dir, settings.warehouse_path, ensure_manifest())
    for f in findings:
        print(f"{f.verdict:<8} {f.part:<14} {f.says}")
    verdict = worst(findings)
    print(
        f"verdict: {verdict}"
        + {
            "ok": ": run as usual",
            "migrate": ": run as usual; the run migrates what is named above in place",
            "rebuild": ": run as usual; the next build rebuilds what is named above (do what it says of tables to drop)",
            "refuse": ": do not run this version on it until what is named above is done",
        }[verdict]
    )
    return 1 if verdict == "refuse" else 0


def _operations_commands(sub) -> None:
    ret = sub.add_parser("retention", help="remove what is past its retention period").add_subparsers(
        dest="retention_command", required=True
    )
    a = ret.add_parser("apply", help="apply the retention policy (GOVHUB_RETENTION_FILE or warehouse/retention.toml)")
    a.add_argument("--as-of", type=_date, help="the day the periods are counted back from (default: today)")
    a.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    a.add_argument("--no-build", action="store_true", help="leave the build from scratch to the next warehouse run")
    a.set_defaults(func=cmd_retention_apply)
    keys = sub.add_parser("keys", help="the pseudonym key").add_subparsers(dest="keys_command", required=True)
    k = keys.add_parser(
        "rotate",
        help="re-key every pseudonym to GOVHUB_NEW_PSEUDONYM_KEY (resumable; verified before the switch)",
    )
    k.add_argument("--no-build", action="store_true", help="leave the build from scratch to the next warehouse run")
    k.set_defaults(func=cmd_keys_rotate)
    up = sub.add_parser("upgrade", help="before running a new version").add_subparsers(
        dest="upgrade_command", required=True
    )
    c = up.add_parser("check", help="check the lake and the warehouse against this version: migrate, rebuild or refuse")
    c.set_defaults(func=cmd_upgrade_check)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, SourceError) as exc:
        print(f"govhub: {exc}", file=sys.stderr)
        return 2
    except Stopped as stop:
        sys.stdout.flush()
        print(
            f"govhub: stopped by {stop}; the runs that ended are kept, and running it again goes on from them",
            file=sys.stderr,
        )
        return 128 + stop.signum
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"govhub: cannot write {exc.filename or 'a file'}: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception as exc:
        from warehouse.settings import short_of_space

        full = short_of_space()  # a disk that filled up shows in whatever wrote last
        if not full:
            raise
        where = ", ".join(f"{folder} ({free} MiB free)" for folder, free in full)
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        print(
            f"govhub: the disk is full: {where}; the run stopped at {type(exc).__name__}: {first}. "
            "Free some space and run it again: the runs that ended are kept",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
