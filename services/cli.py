"""`cpr`: run, migrate and administer the system."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Optional

import typer
from sqlmodel import Session, select

from shared.auth import ApiKey, Board, new_api_key
from shared.db import make_engine, session_scope, utcnow
from shared.logs import configure_logging
from shared.mail import models as _mail_models  # noqa: F401  (the mail outbox, a platform table)
from shared.migrations import upgrade
from shared.service import make_runtime, make_transport
from shared.settings import SERVICE_NAMES, Settings, get_settings
from services.registry import specs

app = typer.Typer(help="Child Practice Reviews: notification API, scheduler and dissemination.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
admin = typer.Typer(help="Keys and boards.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (shown once, stored as HMAC).", no_args_is_help=True)
board_app = typer.Typer(help="Regional Safeguarding Boards (data, not code).", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-lettered messages: list and replay.", no_args_is_help=True)
mail_app = typer.Typer(help="The mail outbox: what was sent, what failed, retrying.", no_args_is_help=True)
outbox_app = typer.Typer(help="The event outbox: events staged and not yet delivered to the broker.",
                         no_args_is_help=True)
app.add_typer(admin, name="admin")
admin.add_typer(key_app, name="key")
admin.add_typer(board_app, name="board")
app.add_typer(dlq_app, name="dlq")
app.add_typer(mail_app, name="mail")
app.add_typer(outbox_app, name="outbox")

ServiceArg = Annotated[str, typer.Argument(help="notification_api, scheduler or dissemination")]


def _spec(name: str):
    all_specs = specs()
    if name not in all_specs:
        raise typer.BadParameter(f"unknown service {name!r}; choose one of {', '.join(all_specs)}")
    return all_specs[name]


def _migrate_all(settings: Settings) -> None:
    for spec in specs().values():
        upgrade(spec.name, spec.migrations, settings.database_url(spec.name))


@app.command()
def migrate(service: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """Upgrade the database of one service, or of all three, to the latest revision."""
    settings = get_settings()
    for spec in ([_spec(service)] if service else specs().values()):
        upgrade(spec.name, spec.migrations, settings.database_url(spec.name))
        typer.echo(f"{spec.name}: migrated")


@app.command()
def api(service: ServiceArg, port: Optional[int] = None, host: Optional[str] = None,
        workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1) -> None:
    """Serve one service's HTTP API (uvicorn)."""
    import uvicorn

    settings = get_settings()
    _spec(service)
    configure_logging(settings.log_level, service)
    uvicorn.run(f"services.asgi:{service}", factory=True, host=host or settings.host,
                port=port or settings.port(service), workers=workers, log_config=None, access_log=False)


@app.command()
def worker(service: ServiceArg) -> None:
    """Run one service's outbox relay, event consumer and periodic jobs."""
    from shared.worker import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, service)
    run_worker(make_runtime(_spec(service), settings))


@app.command()
def up(migrate_first: bool = typer.Option(True, "--migrate/--no-migrate")) -> None:
    """Start everything. Without CPR_AMQP_URL: one process on SQLite and the in-process
    transport. With it: each API and worker as its own process on the configured databases."""
    settings = get_settings()
    if migrate_first:
        _migrate_all(settings)
    if settings.uses_broker:
        _up_processes(settings)
    else:
        _up_single_process(settings)


def _print_urls(settings: Settings) -> None:
    for name in SERVICE_NAMES:
        typer.echo(f"  {name:17} {settings.base_url(name)}/docs")


def _quickstart_keys(settings: Settings) -> None:
    """On a fresh quick start, make a Welsh Government key and a board key so a new user can
    try the API at once. Shown once, like every key."""
    with _database(settings, "notification_api") as session:
        any_key = session.exec(select(ApiKey.id)).first()
    if any_key:
        return
    wg = _create_key(settings, board_code=None, welsh_government=True, label="quick start")
    board = _create_key(settings, board_code="gwent", welsh_government=False, label="quick start")
    typer.echo("First run: keys created (shown once; `cpr admin key create` makes more):")
    typer.echo(f"  Welsh Government: {wg}")
    typer.echo(f"  Gwent board:      {board}")
    typer.echo(f"Sign in to the pages with either key (quick start): {settings.base_url('notification_api')}/signin")


def _up_single_process(settings: Settings) -> None:
    import uvicorn

    from shared.http.app import create_app
    from shared.messaging.inprocess import InProcessBroker
    from shared.worker import start_worker_threads

    configure_logging(settings.log_level, "cpr")
    # The queues are rows in <data_dir>/events.db: an event the outbox handed on survives a
    # crash and is delivered after the restart (shared/messaging/inprocess.py).
    broker = InProcessBroker(settings.data_dir / "events.db")
    stop = threading.Event()
    servers = []
    runtimes = [make_runtime(spec, settings, make_transport(settings, broker)) for spec in specs().values()]
    for runtime in runtimes:  # every queue bound before any relay publishes
        if runtime.spec.handlers:
            runtime.transport.declare(runtime.spec.topology(settings))
    for runtime in runtimes:
        spec = runtime.spec
        start_worker_threads(runtime, stop)
        server = uvicorn.Server(uvicorn.Config(create_app(runtime), host=settings.host,
                                               port=settings.port(spec.name), log_config=None, access_log=False))
        servers.append(server)
        threading.Thread(target=server.run, name=f"{spec.name}-api", daemon=True).start()
    _quickstart_keys(settings)
    typer.echo("CPR quick start (SQLite in %s, in-process events). Ctrl-C stops." % settings.data_dir.resolve())
    if not settings.smtp_url:
        from shared.mail import mail_folder

        typer.echo(f"  e-mail is written as .eml files to {mail_folder(settings, '<service>')} "
                   "(set CPR_SMTP_URL to send it)")
    _print_urls(settings)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.is_set():
        done.wait(0.5)
    for server in servers:
        server.should_exit = True
    stop.set()
    time.sleep(1)


def _up_processes(settings: Settings) -> None:
    cmd = [sys.executable, "-m", "services.cli"]
    procs = []
    for name in SERVICE_NAMES:
        procs.append(subprocess.Popen(cmd + ["api", name]))
        procs.append(subprocess.Popen(cmd + ["worker", name]))
    typer.echo("CPR full stack (RabbitMQ + configured databases). Ctrl-C stops.")
    _print_urls(settings)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.is_set() and all(p.poll() is None for p in procs):
        done.wait(0.5)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
    if not done.is_set():
        raise typer.Exit(1)


# -- keys -------------------------------------------------------------------------------
@contextmanager
def _database(settings: Settings, service: str, *, write: bool = False) -> Iterator[Session]:
    """A session on one service's database for one command (`write`: one transaction,
    committed at the end); the engine is disposed afterwards, so a command leaves no pool."""
    engine = make_engine(settings.database_url(service))
    try:
        with (session_scope(engine) if write else Session(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _create_key(settings: Settings, *, board_code: str | None, welsh_government: bool, label: str | None) -> str:
    """One key, stored (as a hash) in every service's database so it works on all three APIs."""
    row, key = new_api_key(settings.secret_key, board_code=board_code, welsh_government=welsh_government, label=label)
    for name in SERVICE_NAMES:
        with _database(settings, name, write=True) as session:
            if board_code is not None and session.get(Board, board_code) is None:
                raise typer.BadParameter(f"no board {board_code!r}; see `cpr admin board list`")
            session.add(ApiKey.model_validate(row.model_dump()))
    return key


@key_app.command("create")
def key_create(board: Annotated[Optional[str], typer.Option(help="Board code")] = None,
               welsh_government: Annotated[bool, typer.Option("--welsh-government")] = False,
               label: Optional[str] = None) -> None:
    """Create a key for one board or for Welsh Government; the key is printed once."""
    if bool(board) == welsh_government:
        raise typer.BadParameter("give exactly one of --board CODE or --welsh-government")
    typer.echo(_create_key(get_settings(), board_code=board, welsh_government=welsh_government, label=label))


@key_app.command("revoke")
def key_revoke(key_id: str) -> None:
    """Revoke a key by its id (see `cpr admin key list`); effective on the next request."""
    found = False
    for name in SERVICE_NAMES:
        with _database(get_settings(), name, write=True) as session:
            row = session.get(ApiKey, key_id)
            if row is not None:
                found = True
                row.revoked_at = row.revoked_at or utcnow()
                session.add(row)
    if not found:
        typer.echo(f"no key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


@key_app.command("list")
def key_list() -> None:
    """Keys by id, owner and state (never the key itself)."""
    with _database(get_settings(), "notification_api") as session:
        for row in session.exec(select(ApiKey).order_by(ApiKey.created_at)):
            owner = "welsh-government" if row.welsh_government else row.board_code
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            typer.echo(f"{row.id}  {row.display_prefix}…  {owner:20} {state}  {row.label or ''}")


# -- boards -----------------------------------------------------------------------------
@board_app.command("list")
def board_list() -> None:
    with _database(get_settings(), "notification_api") as session:
        for b in session.exec(select(Board).order_by(Board.code)):
            typer.echo(f"{b.code:22} {b.name_en} / {b.name_cy}{'' if b.active else ' (inactive)'}")


@board_app.command("add")
def board_add(code: str, name_en: Annotated[str, typer.Option("--name-en")],
              name_cy: Annotated[str, typer.Option("--name-cy")]) -> None:
    """Add a board to every service's database."""
    import re

    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code):
        raise typer.BadParameter("a board code is lower-case words joined by hyphens")
    for name in SERVICE_NAMES:
        with _database(get_settings(), name, write=True) as session:
            if session.get(Board, code) is None:
                session.add(Board(code=code, name_en=name_en, name_cy=name_cy))
    typer.echo(f"added {code}")


# -- dead letters -----------------------------------------------------------------------
@dlq_app.command("list")
def dlq_list(service: ServiceArg) -> None:
    """Messages parked after their last attempt, with the error that parked them."""
    settings = get_settings()
    spec = _spec(service)
    letters = make_transport(settings).dead_letters(spec.topology(settings))
    for d in letters:
        typer.echo(json.dumps({"message_id": d.message_id, "routing_key": d.routing_key,
                               "attempts": d.attempts, "last_error": d.last_error}))
    typer.echo(f"{len(letters)} dead-lettered on {spec.topology(settings).dead_letter_queue}", err=True)


@dlq_app.command("replay")
def dlq_replay(service: ServiceArg,
               message_id: Annotated[Optional[list[str]], typer.Option("--id", help="Only these ids")] = None) -> None:
    """Put dead-lettered messages back on the service's queue (inbox makes it apply once)."""
    settings = get_settings()
    spec = _spec(service)
    n = make_transport(settings).replay_dead_letters(spec.topology(settings), set(message_id) if message_id else None)
    typer.echo(f"replayed {n}")


# -- mail -------------------------------------------------------------------------------
@mail_app.command("list")
def mail_list(service: Annotated[Optional[str], typer.Argument(help="One service; all by default")] = None,
              failed: Annotated[bool, typer.Option("--failed", help="Only failed and unknown messages")] = False,
              status: Annotated[Optional[str], typer.Option(help="Only this status")] = None,
              limit: int = 100) -> None:
    """Messages in the mail outbox, newest first, one JSON line each (never the body)."""
    from shared.mail.models import FINAL_FAILURES, MailOutbox

    settings = get_settings()
    total = 0
    for spec in ([_spec(service)] if service else specs().values()):
        with _database(settings, spec.name) as session:
            query = select(MailOutbox).order_by(MailOutbox.created_at.desc()).limit(limit)
            if failed:
                query = query.where(MailOutbox.status.in_(FINAL_FAILURES))
            if status:
                query = query.where(MailOutbox.status == status)
            for row in session.exec(query):
                total += 1
                typer.echo(json.dumps({"service": spec.name, "id": row.id, "message_id": row.message_id,
                                       "status": row.status, "purpose": row.purpose, "to": row.recipient,
                                       "attempts": row.attempts, "created_at": row.created_at.isoformat(),
                                       "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                                       "last_error": row.last_error}))
    typer.echo(f"{total} message(s)", err=True)


@mail_app.command("retry")
def mail_retry(service: ServiceArg, mail_id: str) -> None:
    """Send a failed or unknown message again. For `unknown` it may arrive twice: check first."""
    from shared.mail.models import FINAL_FAILURES, MailOutbox

    with _database(get_settings(), _spec(service).name, write=True) as session:
        row = session.get(MailOutbox, mail_id)
        if row is None or row.status not in FINAL_FAILURES:
            typer.echo(f"no failed or unknown message {mail_id} in {service}", err=True)
            raise typer.Exit(1)
        row.status, row.next_attempt_at, row.attempts = "pending", None, 0
        session.add(row)
    typer.echo(f"queued {mail_id} again")


# -- event outbox -----------------------------------------------------------------------
@outbox_app.command("stale")
def outbox_stale(service: Annotated[Optional[str], typer.Argument(help="One service; all by default")] = None,
                 older_than: Annotated[Optional[float], typer.Option(
                     "--older-than", help="Seconds unsent (default CPR_OUTBOX_STALE_SECONDS)")] = None,
                 limit: int = 100) -> None:
    """Events unsent past the threshold, oldest first, one JSON line each (never the body).
    Exits 1 if there are any, so a cron job or probe can alert on it."""
    from datetime import timedelta

    from shared.outbox import stale_messages

    settings = get_settings()
    threshold = timedelta(seconds=settings.outbox_stale_seconds if older_than is None else older_than)
    total = 0
    for spec in ([_spec(service)] if service else specs().values()):
        with _database(settings, spec.name) as session:
            for row in stale_messages(session, threshold, limit=limit):
                total += 1
                typer.echo(json.dumps({"service": spec.name, "event_id": row.event_id, "event_type": row.event_type,
                                       "created_at": row.created_at.isoformat(), "attempts": row.attempts,
                                       "last_error": row.last_error}))
    typer.echo(f"{total} event(s) unsent for more than {threshold.total_seconds():g}s", err=True)
    if total:
        raise typer.Exit(1)


@app.command("asyncapi")
def asyncapi() -> None:
    """Print the event catalogue as AsyncAPI (docs/asyncapi.json is this output)."""
    from shared.events.asyncapi import build

    typer.echo(json.dumps(build(specs()), indent=2, sort_keys=True))


@app.command("rabbitmq-definitions")
def rabbitmq_definitions() -> None:
    """Print RabbitMQ definitions for the topology the code declares (deploy/rabbitmq)."""
    from shared.messaging.topology import definitions

    settings = get_settings()
    typer.echo(json.dumps(definitions([s.topology(settings) for s in specs().values() if s.handlers]), indent=2))


if __name__ == "__main__":
    app()
