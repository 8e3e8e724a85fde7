"""Test support: real PostgreSQL databases, migrated once per run and emptied before each test
(reference data put back as the migrations seeded it), a unique RabbitMQ prefix per test,
keys, and services run in-thread or as real processes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from shared.auth import ApiKey, new_api_key
from shared.db import make_engine, session_scope
from shared.settings import SERVICE_NAMES, Settings

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("CPR_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("CPR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
SECRET = "test-secret-key"
METRICS_TOKEN = "test-metrics-token"
METRICS = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def pg_url(dbname: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=dbname, drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def admin_execute(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(sql)


SEED_PREFIX = "_seed_"


def _connect(dbname: str):
    return psycopg.connect(make_url(pg_url(dbname)).set(drivername="postgresql").render_as_string(
        hide_password=False), autocommit=True)


def snapshot_reference_data(dbname: str, reference: tuple[str, ...]) -> None:
    """Keep a copy of what the migrations seeded (boards, review types, themes) beside it, so
    each test starts from exactly that, whatever the test before added or changed."""
    with _connect(dbname) as conn:
        for table in ("boards", *reference):
            conn.execute(f'CREATE TABLE "{SEED_PREFIX}{table}" AS TABLE "{table}"')


def reset_database(dbname: str, reference: tuple[str, ...] = ()) -> None:
    """Empty every table, then put the reference data back as the migrations seeded it."""
    reference = ("boards", *reference)
    with _connect(dbname) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'alembic_version%%' "
            "AND tablename NOT LIKE %s", (SEED_PREFIX + "%",))]
        data = [t for t in tables if t not in reference]
        if data:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in data) + " RESTART IDENTITY")
        for table in reference:
            conn.execute(f'DELETE FROM "{table}"')
            conn.execute(f'INSERT INTO "{table}" SELECT * FROM "{SEED_PREFIX}{table}"')


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


@dataclass
class Keys:
    welsh_government: str
    boards: dict[str, str]
    key_ids: dict[str, str] = field(default_factory=dict)

    def board(self, code: str = "gwent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.boards[code]}"}

    @property
    def wg(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.welsh_government}"}


def make_keys(settings: Settings, board_codes=("gwent", "north-wales", "cardiff-and-vale")) -> Keys:
    """The same keys in every service database, as `cpr admin key create` does."""
    rows = []
    row, wg = new_api_key(settings.secret_key, board_code=None, welsh_government=True)
    rows.append(row)
    key_ids = {"welsh-government": row.id}
    boards = {}
    for code in board_codes:
        row, key = new_api_key(settings.secret_key, board_code=code, welsh_government=False)
        rows.append(row)
        boards[code] = key
        key_ids[code] = row.id
    for name in SERVICE_NAMES:
        engine = make_engine(settings.database_url(name))
        with session_scope(engine) as session:
            for r in rows:
                session.add(ApiKey.model_validate(r.model_dump()))
        engine.dispose()
    return Keys(wg, boards, key_ids)


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        "CPR_AMQP_URL": settings.amqp_url or "",
        "CPR_AMQP_PREFIX": settings.amqp_prefix,
        "CPR_SECRET_KEY": settings.secret_key,
        "CPR_RETRY_DELAYS_MS": "[" + ",".join(str(d) for d in settings.retry_delays_ms) + "]",
        "CPR_MAX_ATTEMPTS": str(settings.max_attempts),
        "CPR_HOST": settings.host,
        "CPR_DATA_DIR": str(settings.data_dir),
        "CPR_MAIL_POLL_SECONDS": str(settings.mail_poll_seconds),
        "CPR_MAIL_RETRY_BASE_SECONDS": str(settings.mail_retry_base_seconds),
        "CPR_MAIL_LEASE_SECONDS": str(settings.mail_lease_seconds),
    }
    if settings.metrics_token:
        env["CPR_METRICS_TOKEN"] = settings.metrics_token
    if settings.smtp_url:
        env["CPR_SMTP_URL"] = settings.smtp_url
    if settings.imap_url:
        env["CPR_IMAP_URL"] = settings.imap_url
        env["CPR_IMAP_POLL_SECONDS"] = str(settings.imap_poll_seconds)
    for name in SERVICE_NAMES:
        env[f"CPR_{name.upper()}_DATABASE_URL"] = settings.database_url(name)
        env[f"CPR_{name.upper()}_PORT"] = str(settings.port(name))
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessStack:
    """The services as real processes: `cpr api` and `cpr worker` per service."""

    def __init__(self, settings: Settings, log_dir: Path):
        self.settings = settings
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}

    def start(self, role: str, service: str, *args: str) -> subprocess.Popen:
        name = f"{role}-{service}"
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "services.cli", role, service, *args], cwd=ROOT,
                                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def start_all(self, api_args: dict[str, list[str]] | None = None) -> None:
        for service in SERVICE_NAMES:
            self.start("api", service, *(api_args or {}).get(service, []))
            self.start("worker", service)
        for service in SERVICE_NAMES:
            url = self.url(service) + "/healthz"
            wait_until(lambda: _ok(url), timeout=30, what=f"{service} API to answer")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.settings.port(service)}"

    def kill(self, name: str, sig=9) -> None:
        proc = self.procs[name]
        proc.send_signal(sig)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def logs(self, tail: int | None = 4000) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-tail if tail else 0:]}"
                         for p in sorted(self.log_dir.glob("*.log")))


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def in_thread_workers(runtimes):
    """Workers (relay, consumer, jobs) for the given runtimes on threads, for integration tests."""
    from shared.worker import start_worker_threads

    stop = threading.Event()
    threads = []
    for rt in runtimes:
        threads += start_worker_threads(rt, stop)
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)


def delete_amqp_prefix(prefix: str, topologies) -> None:
    import pika

    try:
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    except Exception:
        return
    try:
        ch = conn.channel()
        for topo in topologies:
            for q in topo.queue_arguments():
                ch.queue_delete(queue=q)
        ch.exchange_delete(exchange=f"{prefix}.events")
    except Exception:
        pass
    finally:
        try:
            conn.close()
        except Exception:
            pass


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def gate_safe_tag(length: int = 6) -> str:
    """A random tag for references and free text: letters only, because random hex can read as a
    postcode to the identifier gate ("cf10ab" is CF1 0AB) and fail a test one run in thousands."""
    return uuid.uuid4().hex[:length].translate(_LETTERS)


@contextmanager
def served(app):
    """An ASGI app on a real uvicorn server (a thread, a free port); yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=20, what="uvicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def extra_key(settings: Settings, board_code: str | None) -> str:
    """Another key for a board (a second case system), stored in every service database."""
    row, key = new_api_key(settings.secret_key, board_code=board_code, welsh_government=board_code is None)
    for name in SERVICE_NAMES:
        engine = make_engine(settings.database_url(name))
        with session_scope(engine) as session:
            session.add(ApiKey.model_validate(row.model_dump()))
        engine.dispose()
    return key
