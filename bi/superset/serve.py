"""Serve the platform's Superset dashboards on loopback (what `make bi` runs).

    .venv/bin/python -m bi.superset.serve [--duckdb FILE] [--postgres DSN] [--port 8088] [--home DIR]

Superset runs from its own environment, `.venv-bi` (bi/superset/requirements.txt, made by
`make bi`), never from the platform's. An instance lives in one folder (`--home`, default
`.bi/superset`, not in the repository): its metadata database, its secret key and the admin's
credentials, made on first use. Each start imports the dashboards (bi/superset/bundle/) with
the databases' addresses filled in: the published DuckDB copy (default
warehouse/published/kaifeng.duckdb, opened read-only) and, when a DSN is given (default:
GOVHUB_BI_POSTGRES_DSN, as the role bi_reader), the PostgreSQL target. It prints the address
and the credentials once the server answers, then serves until interrupted.

`--prepare` only makes the template instance that new instances start from (run by `make
bi` after installing Superset): upgrading Superset's metadata database and syncing its roles
take a minute, once per installed version instead of once per instance.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bi.superset.bundle import zipped
from govhub.processes import run_in_foreground

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
VENV = PROJECT_ROOT / ".venv-bi"
SUPERSET = VENV / "bin" / "superset"
TEMPLATE = VENV / "govhub-superset-template"
DEFAULT_HOME = PROJECT_ROOT / ".bi" / "superset"
DEFAULT_DUCKDB = PROJECT_ROOT / "warehouse" / "published" / "kaifeng.duckdb"
CONFIG = Path(__file__).resolve().parent / "superset_config.py"
ADMIN = "admin"


class ServeError(RuntimeError):
    pass


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "GOVHUB_SUPERSET_HOME": str(home),
        "FLASK_APP": "superset",
        "SCARF_ANALYTICS": "false",
        "PYTHONWARNINGS": "ignore",
    }


def _superset(home: Path, *args: str) -> None:
    """Run a Superset command; its output goes to the instance's log, and a failure names it."""
    with (home / "superset.log").open("ab") as log:
        done = subprocess.run([str(SUPERSET), *args], env=_env(home), stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise ServeError(f"superset {args[0]} failed (exit {done.returncode}); see {home / 'superset.log'}")


def _need_superset() -> None:
    if not SUPERSET.exists():
        raise ServeError(f"Superset is not installed in {VENV}: run `make bi` (it installs it there)")


def prepare_template() -> Path:
    """The template instance: Superset's metadata database upgraded and its roles synced."""
    _need_superset()
    if (TEMPLATE / "superset.db").exists():
        return TEMPLATE
    scratch = TEMPLATE.with_name(TEMPLATE.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    (scratch / "secret_key").write_text(secrets.token_urlsafe(48), encoding="utf-8")
    _superset(scratch, "db", "upgrade")
    _superset(scratch, "init")
    (scratch / "secret_key").unlink()
    scratch.rename(TEMPLATE)
    return TEMPLATE


def prepare_instance(home: Path) -> tuple[str, str]:
    """An instance in `home` (made from the template the first time), with its admin; the
    admin's (user, password)."""
    credentials = home / "credentials"
    if not (home / "superset.db").exists():
        template = prepare_template()
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template / "superset.db", home / "superset.db")
        key = home / "secret_key"
        key.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key.chmod(0o600)
        password = secrets.token_urlsafe(12)
        _superset(
            home, "fab", "create-admin", "--username", ADMIN, "--firstname", "BI", "--lastname", "Admin",
            "--email", "admin@localhost", "--password", password,
        )  # fmt: skip
        credentials.write_text(f"{ADMIN}\n{password}\n", encoding="utf-8")
        credentials.chmod(0o600)
    user, password = credentials.read_text(encoding="utf-8").split()
    return user, password


def reader_dsn(dsn: str) -> str:
    """The PostgreSQL DSN BI logs in with: the publishing DSN's server and database, as
    bi_reader (no password: the role reads the published schemas only)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = {k: v for k, v in conninfo_to_dict(dsn).items() if k in ("host", "port", "dbname")}
    info = conninfo_to_dict(make_conninfo(**parts))
    host, port, db = info.get("host", "127.0.0.1"), info.get("port", "5432"), info["dbname"]
    return f"postgresql+psycopg2://bi_reader@{host}:{port}/{db}"


def import_dashboards(home: Path, duckdb_path: Path, postgres: str | None) -> list[str]:
    """Import the bundle (replacing what an earlier start imported); the databases it covers."""
    uris = {"duckdb": f"duckdb:///{duckdb_path.resolve()}"}
    if postgres:
        uris["postgres"] = postgres
    bundle = home / "bundle.zip"
    bundle.write_bytes(zipped(uris, tuple(uris)))
    _superset(home, "import-dashboards", "--path", str(bundle), "--username", ADMIN)
    return list(uris)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def serve(home: Path, port: int, duckdb_path: Path, postgres: str | None) -> int:
    _need_superset()
    if not duckdb_path.exists():
        raise ServeError(f"{duckdb_path}: no published DuckDB copy (run `make demo` first, or pass --duckdb)")
    user, password = prepare_instance(home)
    databases = import_dashboards(home, duckdb_path, postgres)
    url = f"http://127.0.0.1:{port}"
    answered = threading.Event()

    def announce() -> None:
        deadline = time.monotonic() + 180
        while not _answers(url):
            if time.monotonic() > deadline:
                print(
                    f"bi: Superset did not answer on {url} within 180 s; see {home / 'superset.log'}", file=sys.stderr
                )
                return
            time.sleep(1)
        answered.set()
        print(f"Superset: {url}/dashboard/list/", flush=True)
        print(f"  user: {user}", flush=True)
        print(f"  password: {password}", flush=True)
        print(f"  dashboards over: {', '.join(databases)} (log: {home / 'superset.log'})", flush=True)
        print("ready", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    # served until it ends or this process is asked to stop; the development server's request
    # threads may keep it up a while after a stop: it gets 3 seconds (it writes nothing then)
    with (home / "superset.log").open("ab") as log:
        code = run_in_foreground(
            [str(SUPERSET), "run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"],
            grace=3,
            env=_env(home),
            output=log,
        )
    if code and not answered.is_set():
        raise ServeError(f"Superset stopped (exit {code}); see {home / 'superset.log'}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duckdb", type=Path, default=DEFAULT_DUCKDB, help="the published DuckDB copy")
    parser.add_argument(
        "--postgres",
        help="the PostgreSQL database BI reads, as a SQLAlchemy URL (default: GOVHUB_BI_POSTGRES_DSN's, as bi_reader)",
    )
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="the instance's folder")
    parser.add_argument("--prepare", action="store_true", help="only make the template instance")
    args = parser.parse_args(argv)
    try:
        if args.prepare:
            print(f"Superset template instance: {prepare_template()}")
            return 0
        postgres = args.postgres
        if postgres is None and os.environ.get("GOVHUB_BI_POSTGRES_DSN"):
            postgres = reader_dsn(os.environ["GOVHUB_BI_POSTGRES_DSN"])
        return serve(args.home, args.port, args.duckdb, postgres)
    except ServeError as e:
        print(f"bi: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
