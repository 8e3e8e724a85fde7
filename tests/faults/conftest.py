"""Fault tests get a private RabbitMQ node (own port, own data directory) so stopping and
starting the broker disturbs nothing else running on this machine."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

from shared.settings import SERVICE_NAMES, Settings
from tests.support import SECRET, free_port, unique


class PrivateBroker:
    def __init__(self):
        self.port = free_port()
        self.node = f"cprfault{uuid.uuid4().hex[:6]}@localhost"
        self.dir = tempfile.mkdtemp(prefix="cprfault-rmq-")
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as f:
            f.write(f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        shutil.chown(self.dir, "rabbitmq", "rabbitmq")
        os.chmod(self.dir, 0o777)
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> None:
        env = {
            "HOME": "/var/lib/rabbitmq", "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.dir, "rabbitmq.conf"),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.dir, "enabled_plugins"),
            "RABBITMQ_PID_FILE": os.path.join(self.dir, "pid"),
        }
        runner = ["runuser", "-u", "rabbitmq", "--"] if os.geteuid() == 0 else []
        subprocess.run([*runner, "env", *[f"{k}={v}" for k, v in env.items()],
                        "/usr/lib/rabbitmq/bin/rabbitmq-server", "-detached"], check=True, timeout=60)
        self.wait_listening()

    def wait_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"private RabbitMQ node {self.node} did not start")

    def ctl(self, *args: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", "-n", self.node, *args], check=True, timeout=120,
                       capture_output=True)

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.wait_listening()

    def destroy(self) -> None:
        try:
            self.ctl("stop")
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def private_broker():
    if not os.path.exists("/usr/lib/rabbitmq/bin/rabbitmq-server"):
        pytest.skip("needs a local RabbitMQ installation to start a private node")
    broker = PrivateBroker()
    broker.start()
    yield broker
    broker.destroy()


@pytest.fixture
def settings(databases, private_broker) -> Settings:
    values = {f"{s}_database_url": url for s, url in databases.items()}
    values.update({f"{s}_port": free_port() for s in SERVICE_NAMES})
    return Settings(amqp_url=private_broker.url, amqp_prefix=unique("cprf"), secret_key=SECRET,
                    retry_delays_ms=[100, 200], max_attempts=3, relay_poll_seconds=0.05, **values)
