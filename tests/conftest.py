"""Fixtures on the real PostgreSQL and RabbitMQ (see tests/support.py)."""
from __future__ import annotations

import os
import uuid

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings


from shared.migrations import upgrade
from shared.settings import SERVICE_NAMES, Settings
from tests.support import (
    AMQP_URL,
    METRICS_TOKEN,
    SECRET,
    admin_execute,
    delete_amqp_prefix,
    free_port,
    make_keys,
    pg_url,
    reset_database,
    snapshot_reference_data,
    unique,
)

# No timing assertions in the suite, Hypothesis' per-example deadline included: on a shared
# two-core machine a first example that loads the names lexicon can take longer than 200 ms,
# and a failure that says "too slow" says nothing about the property. Speed is bench/'s job.
hypothesis_settings.register_profile("cpr", deadline=None)
hypothesis_settings.load_profile("cpr")


@pytest.fixture(scope="session")
def pg_databases():
    """One migrated database per service for the whole run (dropped at the end)."""
    from services.registry import specs

    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = {}
    for spec in specs().values():
        name = f"cprtest_{spec.name}_{tag}"
        admin_execute(f'CREATE DATABASE "{name}"')
        upgrade(spec.name, spec.migrations, pg_url(name))
        snapshot_reference_data(name, spec.reference_tables)
        names[spec.name] = name
    yield names
    for name in names.values():
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(pg_databases):
    """The service databases, emptied before this test: every table truncated and the seed
    boards put back (cloning a database per test costs seconds; this costs milliseconds)."""
    from services.registry import specs

    for service, name in pg_databases.items():
        reset_database(name, specs()[service].reference_tables)
    return {s: pg_url(n) for s, n in pg_databases.items()}


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free port that collects every message it accepts."""
    from tests.mail_support import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(databases, tmp_path) -> Settings:
    """Settings for one test: its own databases, RabbitMQ names (prefix) and data folder (mail
    without CPR_SMTP_URL goes to <data_dir>/mail as .eml files)."""
    from services.registry import specs

    values = {f"{s}_database_url": url for s, url in databases.items()}
    values.update({f"{s}_port": free_port() for s in SERVICE_NAMES})
    s = Settings(amqp_url=AMQP_URL, amqp_prefix=unique("cprt"), secret_key=SECRET,
                 retry_delays_ms=[100, 200], max_attempts=3, relay_poll_seconds=0.05,
                 data_dir=tmp_path / "data", mail_poll_seconds=0.2, mail_retry_base_seconds=0.2,
                 mail_lease_seconds=3.0, metrics_token=METRICS_TOKEN, **values)
    yield s
    delete_amqp_prefix(s.amqp_prefix, [spec.topology(s) for spec in specs().values()])


@pytest.fixture
def keys(settings):
    return make_keys(settings)


@pytest.fixture
def runtimes(settings):
    from services.registry import specs
    from shared.service import make_runtime

    rts = {name: make_runtime(spec, settings) for name, spec in specs().items()}
    # Queues exist before anything is published, as the deployed definitions ensure.
    for name, rt in rts.items():
        if rt.spec.handlers:
            rt.transport.declare(rt.spec.topology(settings))
    yield rts
    for rt in rts.values():
        rt.engine.dispose()


@pytest.fixture
def clients(runtimes):
    """An in-process HTTP client per service app (the workers are separate: see `workers`)."""
    from shared.http.app import create_app

    cs = {name: TestClient(create_app(rt), raise_server_exceptions=False) for name, rt in runtimes.items()}
    yield cs
    for c in cs.values():
        c.close()


@pytest.fixture
def workers(runtimes):
    from tests.support import in_thread_workers

    with in_thread_workers(runtimes.values()):
        yield


@pytest.fixture
def stack(settings, keys, tmp_path, runtimes):
    """The three APIs and three workers as real processes on PostgreSQL and RabbitMQ."""
    from tests.support import ProcessStack

    s = ProcessStack(settings, tmp_path)
    try:
        s.start_all()
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.stop()


@pytest.fixture
def imap_server():
    """A real IMAP server (Debian's dovecot) with one mailbox; skipped where dovecot is absent
    outside CI (.ci/run installs dovecot-imapd)."""
    from tests.imap_support import DOVECOT, Dovecot

    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("dovecot is missing (.ci/run installs dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = Dovecot().start()
    yield server
    server.stop()
