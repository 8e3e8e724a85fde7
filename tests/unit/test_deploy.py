"""The deployment artefacts agree with the code.

There is no Docker engine or Kubernetes cluster here, so these tests read docker-compose.yml,
deploy/Dockerfile, deploy/rabbitmq/*, deploy/postgres/init.sql and deploy/k8s/*.yaml and check
them against what the code declares: the services (services.registry), their CLI commands
(services.cli), settings (shared.settings) and broker topology (shared.messaging.topology).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from services.registry import specs
from shared.messaging.topology import definitions
from shared.settings import DEFAULT_PORTS, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
DEFINITIONS_FILE = DEPLOY / "rabbitmq" / "definitions.json"
RABBITMQ_CONF = DEPLOY / "rabbitmq" / "rabbitmq.conf"
REGENERATE = DEPLOY / "rabbitmq" / "regenerate.sh"
INIT_SQL = DEPLOY / "postgres" / "init.sql"
K8S = DEPLOY / "k8s"
SECRET_TEMPLATE = K8S / "secret.template.yaml"

SERVICES = sorted(specs())
REGENERATE_HINT = "deploy/rabbitmq/definitions.json is out of date with the code; run deploy/rabbitmq/regenerate.sh"


def slug(service: str) -> str:
    """Compose and Kubernetes names use hyphens (DNS-1123): notification_api -> notification-api."""
    return service.replace("_", "-")


def api_command(service: str) -> list[str]:
    return ["cpr", "api", service, "--host", "0.0.0.0"]


def worker_command(service: str) -> list[str]:
    return ["cpr", "worker", service]


def migrate_command(service: str) -> list[str]:
    return ["cpr", "migrate", service]


def setting_env_names() -> set[str]:
    return {f"CPR_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture
def default_settings(monkeypatch) -> Settings:
    """Settings as a fresh deployment has them: no CPR_* from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("CPR_"):
            monkeypatch.delenv(name)
    return Settings()


def code_definitions(settings: Settings) -> dict:
    return definitions([spec.topology(settings) for spec in specs().values() if spec.handlers])


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def committed_definitions() -> dict:
    return json.loads(DEFINITIONS_FILE.read_text())


@pytest.fixture(scope="module")
def k8s_docs() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def k8s_find(docs, kind: str, name: str) -> dict:
    found = [d for _, d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def app_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if name not in ("postgres", "rabbitmq", "mailpit")}


def env_value(value: str) -> str:
    """A Compose value with `${VAR:-default}` replaced by its default (what runs by default)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


# -- docker-compose.yml ---------------------------------------------------------------------
def test_compose_runs_exactly_the_services_the_code_has(compose):
    expected = {"postgres", "rabbitmq", "mailpit"}
    for service in SERVICES:
        expected |= {f"migrate-{slug(service)}", f"{slug(service)}-api", f"{slug(service)}-worker"}
    assert set(compose["services"]) == expected


@pytest.mark.parametrize("service", SERVICES)
def test_compose_commands_per_service(compose, service):
    services = compose["services"]
    assert services[f"migrate-{slug(service)}"]["command"] == migrate_command(service)
    assert services[f"{slug(service)}-api"]["command"] == api_command(service)
    assert services[f"{slug(service)}-worker"]["command"] == worker_command(service)
    # A migration is a one-shot job: restarting it would loop, and would never "complete".
    assert services[f"migrate-{slug(service)}"].get("restart", "no") == "no"


def test_compose_commands_parse_with_the_real_cli(compose, k8s_docs):
    """Every command in Compose and Kubernetes is one the `cpr` CLI accepts, for a real service."""
    import typer

    from services.cli import app

    group = typer.main.get_command(app)
    commands = [svc["command"] for svc in app_services(compose).values()]
    for _, doc in k8s_docs:
        if doc["kind"] in ("Deployment", "Job"):
            commands += [c["command"] for c in doc["spec"]["template"]["spec"]["containers"]]
    assert commands
    for command in commands:
        assert command[0] == "cpr", command
        name, *args = command[1:]
        assert name in group.commands, f"`cpr {name}` is not a CLI command ({command})"
        ctx = group.commands[name].make_context(name, list(args))
        assert ctx.params["service"] in SERVICES, command


@pytest.mark.parametrize("service", SERVICES)
def test_compose_api_ports_are_the_default_ports(compose, default_settings, service):
    port = DEFAULT_PORTS[service]
    assert compose["services"][f"{slug(service)}-api"]["ports"] == [f"{port}:{port}"]
    # Inside the container the API listens on Settings' port for that service (no --port given).
    assert "--port" not in compose["services"][f"{slug(service)}-api"]["command"]
    assert default_settings.port(service) == port


@pytest.mark.parametrize("role", ["api", "worker"])
@pytest.mark.parametrize("service", SERVICES)
def test_compose_processes_wait_for_migration_and_healthy_brokers(compose, service, role):
    depends = compose["services"][f"{slug(service)}-{role}"]["depends_on"]
    assert depends == {
        "postgres": {"condition": "service_healthy"},
        "rabbitmq": {"condition": "service_healthy"},
        f"migrate-{slug(service)}": {"condition": "service_completed_successfully"},
    }


@pytest.mark.parametrize("service", SERVICES)
def test_compose_migration_waits_for_healthy_postgres(compose, service):
    depends = compose["services"][f"migrate-{slug(service)}"]["depends_on"]
    assert depends["postgres"] == {"condition": "service_healthy"}


def test_compose_brokers_have_healthchecks(compose):
    postgres, rabbitmq = compose["services"]["postgres"], compose["services"]["rabbitmq"]
    assert postgres["image"] == "postgres:15"
    assert rabbitmq["image"] == "rabbitmq:3.13-management"
    pg_test = postgres["healthcheck"]["test"]
    assert pg_test[:2] == ["CMD", "pg_isready"]
    # Over TCP: the first-run init server listens on the socket only, so this stays unhealthy
    # until init.sql has created the databases.
    assert "-h" in pg_test and pg_test[pg_test.index("-h") + 1] in ("127.0.0.1", "localhost")
    assert rabbitmq["healthcheck"]["test"][:2] == ["CMD", "rabbitmq-diagnostics"]
    assert "ping" in rabbitmq["healthcheck"]["test"]


def test_compose_app_services_share_one_image_built_from_the_dockerfile(compose):
    images = {svc["image"] for svc in app_services(compose).values()}
    assert len(images) == 1
    for name, svc in app_services(compose).items():
        assert svc["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}, name
    assert (ROOT / "deploy/Dockerfile").is_file()


def test_compose_environment_names_are_settings_fields(compose):
    known = setting_env_names()
    for name, svc in app_services(compose).items():
        env = svc["environment"]
        assert isinstance(env, dict), name
        unknown = set(env) - known
        assert not unknown, f"{name}: {sorted(unknown)} are not fields of shared.settings.Settings"
        for service in SERVICES:
            assert f"CPR_{service.upper()}_DATABASE_URL" in env, f"{name} lacks {service}'s database"
        assert {"CPR_AMQP_URL", "CPR_SECRET_KEY"} <= set(env), name


def test_compose_secret_key_must_be_supplied(compose):
    for name, svc in app_services(compose).items():
        value = svc["environment"]["CPR_SECRET_KEY"]
        assert re.fullmatch(r"\$\{CPR_SECRET_KEY:\?[^}]+\}", value), f"{name}: {value!r} has a default"


def test_compose_databases_are_created_by_init_sql(compose):
    created = set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", INIT_SQL.read_text(), re.IGNORECASE))
    postgres = compose["services"]["postgres"]["environment"]
    used = set()
    for name, svc in app_services(compose).items():
        for service in SERVICES:
            url = make_url(svc["environment"][f"CPR_{service.upper()}_DATABASE_URL"])
            assert url.drivername == "postgresql+psycopg", name
            assert (url.host, url.port) == ("postgres", 5432), name
            assert (url.username, url.password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"]), name
            assert url.database == f"cpr_{service}", name
            used.add(url.database)
    assert created == used == {f"cpr_{s}" for s in SERVICES}


def test_compose_mounts_the_init_sql_and_broker_config(compose):
    def mounts(service):
        out = {}
        for volume in compose["services"][service]["volumes"]:
            source, target, *_ = volume.split(":")
            out[target] = source
        return out

    pg = mounts("postgres")
    init = [src for target, src in pg.items() if target.startswith("/docker-entrypoint-initdb.d/")]
    assert init == ["./deploy/postgres/init.sql"]
    assert [t for t in pg if t.startswith("/docker-entrypoint-initdb.d/")][0].endswith(".sql")
    rabbit = mounts("rabbitmq")
    assert rabbit["/etc/rabbitmq/rabbitmq.conf"] == "./deploy/rabbitmq/rabbitmq.conf"
    assert rabbit["/etc/rabbitmq/definitions.json"] == "./deploy/rabbitmq/definitions.json"
    for source in list(pg.values()) + list(rabbit.values()):
        if source.startswith("./"):
            assert (ROOT / source).is_file(), source


def test_compose_broker_url_logs_in_as_a_defined_user(compose, committed_definitions, default_settings):
    """Loading definitions at boot skips RabbitMQ's default user, so the file must define the
    user the services log in as, with that password and permissions on that vhost."""
    for name, svc in app_services(compose).items():
        env = svc["environment"]
        url = urlsplit(env["CPR_AMQP_URL"])
        assert (url.scheme, url.hostname, url.port) == ("amqp", "rabbitmq", 5672), name
        user, password, vhost = unquote(url.username), unquote(url.password), unquote(url.path[1:]) or "/"
        users = {u["name"]: u for u in committed_definitions["users"]}
        assert user in users, f"{name} logs in as {user!r}, which definitions.json does not define"
        record = users[user]
        assert record["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        raw = base64.b64decode(record["password_hash"])
        salt, digest = raw[:4], raw[4:]
        assert hashlib.sha256(salt + password.encode()).digest() == digest, \
            f"definitions.json's password hash for {user!r} is not the password in CPR_AMQP_URL"
        assert vhost in {v["name"] for v in committed_definitions["vhosts"]}
        assert {"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"} \
            in committed_definitions["permissions"]
        # The compose stack uses the prefix the committed definitions were generated for.
        assert env_value(env.get("CPR_AMQP_PREFIX", default_settings.amqp_prefix)) == default_settings.amqp_prefix


# -- RabbitMQ definitions -------------------------------------------------------------------
def _keyed(doc: dict) -> dict[str, dict]:
    """Exchanges, queues and bindings by identity, so order does not matter."""
    return {
        "exchanges": {(e["vhost"], e["name"]): e for e in doc["exchanges"]},
        "queues": {(q["vhost"], q["name"]): q for q in doc["queues"]},
        "bindings": {(b["vhost"], b["source"], b["destination"], b["routing_key"]): b for b in doc["bindings"]},
    }


def test_definitions_match_the_code_topology(committed_definitions, default_settings):
    expected, committed = _keyed(code_definitions(default_settings)), _keyed(committed_definitions)
    problems = []
    for section in ("exchanges", "queues", "bindings"):
        missing = sorted(set(expected[section]) - set(committed[section]))
        extra = sorted(set(committed[section]) - set(expected[section]))
        changed = sorted(k for k in set(expected[section]) & set(committed[section])
                         if expected[section][k] != committed[section][k])
        for label, keys in (("missing", missing), ("not in the code", extra), ("differing", changed)):
            if keys:
                problems.append(f"{section} {label}: {keys}")
    assert not problems, REGENERATE_HINT + "\n" + "\n".join(problems)


def test_every_queue_is_declared_with_the_code_arguments(committed_definitions, default_settings):
    """A queue whose arguments differ from the code's makes the worker's declare fail
    (PRECONDITION_FAILED), so each queue must match exactly and be a durable quorum queue."""
    committed = {q["name"]: q for q in committed_definitions["queues"]}
    topologies = [s.topology(default_settings) for s in specs().values() if s.handlers]
    assert topologies, "no service consumes events: nothing to check"
    for topology in topologies:
        for name, arguments in topology.queue_arguments().items():
            assert name in committed, f"queue {name} missing. {REGENERATE_HINT}"
            assert committed[name]["arguments"] == arguments, f"queue {name}: arguments differ. {REGENERATE_HINT}"
            assert committed[name]["durable"] is True and committed[name]["auto_delete"] is False
            assert arguments["x-queue-type"] == "quorum"
        # Retry queues dead-letter back into the service's own queue, which must exist.
        for retry in topology.retry_queues:
            assert committed[retry]["arguments"]["x-dead-letter-routing-key"] == topology.queue


def test_definitions_bind_every_handled_event_type(committed_definitions, default_settings):
    bound = {(b["destination"], b["routing_key"]) for b in committed_definitions["bindings"]}
    for spec in specs().values():
        for event_type in spec.handlers:
            queue = spec.topology(default_settings).queue
            assert (queue, event_type) in bound, f"{spec.name} handles {event_type} but {queue} is not bound to it. {REGENERATE_HINT}"


def test_definitions_users_have_permissions_on_every_vhost(committed_definitions):
    vhosts = {v["name"] for v in committed_definitions["vhosts"]}
    used = {item["vhost"] for section in ("exchanges", "queues", "bindings") for item in committed_definitions[section]}
    assert used <= vhosts
    users = {u["name"] for u in committed_definitions["users"]}
    assert users, "loading definitions at boot creates no default user: define one"
    for user in users:
        for vhost in used:
            assert any(p["user"] == user and p["vhost"] == vhost for p in committed_definitions["permissions"]), (user, vhost)
    for user in committed_definitions["users"]:
        assert "password" not in user, "store a password_hash, not a password"


def test_rabbitmq_conf_loads_the_definitions():
    settings = {}
    for line in RABBITMQ_CONF.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    assert settings["load_definitions"] == "/etc/rabbitmq/definitions.json"
    # guest is loopback-only by default; the services and the tests connect from elsewhere.
    assert settings["loopback_users.guest"] == "false"
    assert settings.get("listeners.tcp.default", "5672") == "5672"


def test_regenerate_script_restores_the_topology_and_keeps_the_users(tmp_path, committed_definitions):
    stale = dict(committed_definitions, queues=[], bindings=[], exchanges=[])
    target = tmp_path / "definitions.json"
    target.write_text(json.dumps(stale))
    # A developer's shell may carry a test prefix or retry ladder: the script must ignore it.
    env = dict(os.environ, PYTHON=sys.executable, CPR_AMQP_PREFIX="elsewhere", CPR_RETRY_DELAYS_MS="[7]")
    result = subprocess.run(["bash", str(REGENERATE), str(target)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert target.read_text() == DEFINITIONS_FILE.read_text(), \
        "regenerate.sh does not reproduce the committed definitions.json byte for byte"


# -- Dockerfile -----------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def dockerfile_user_id() -> int:
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "the image must not run as root"
    return int(users[-1].split(":")[0])


def test_dockerfile_base_image_and_non_root_user():
    instructions = dockerfile_instructions()
    bases = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases), bases
    uid = dockerfile_user_id()
    assert uid != 0
    # The uid exists in the final stage (created there, after its FROM).
    final_stage = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM"):]
    assert any(k == "RUN" and f"--uid {uid}" in rest for k, rest in final_stage), "create the user in the final stage"


def test_dockerfile_installs_the_project_without_dev_dependencies():
    instructions = dockerfile_instructions()
    runs = " && ".join(rest for keyword, rest in instructions if keyword == "RUN")
    installs = [shlex.split(part) for part in re.split(r"&&|;", runs) if "pip install" in part]
    assert any(words[-1] == "." for words in installs), "the image must `pip install .` the project"
    assert "[test]" not in runs and "pytest" not in runs and "-e ." not in runs
    assert not any(keyword == "HEALTHCHECK" for keyword, _ in instructions)
    assert not any(keyword == "ENTRYPOINT" for keyword, _ in instructions), "Compose/k8s commands start with cpr"
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"]
    assert json.loads(cmd[-1]) == ["cpr", "--help"]


def test_dockerfile_copies_what_the_build_needs_and_dockerignore_keeps_it():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", pyproject["project"]["readme"]}
    needed |= {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set()
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _ = rest.split()
            copied |= set(sources)
    assert needed <= copied, f"the Dockerfile does not copy {sorted(needed - copied)}"
    ignore = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
              if p.strip() and not p.startswith("#")]
    for path in needed:
        assert not any(fnmatch(path, pattern) for pattern in ignore), f".dockerignore excludes {path}"
    for heavy in (".venv", ".git"):
        assert any(fnmatch(heavy, pattern) for pattern in ignore), f".dockerignore should exclude {heavy}"


# -- Kubernetes -----------------------------------------------------------------------------
def test_k8s_documents_are_well_formed(k8s_docs):
    kinds = {doc["kind"] for _, doc in k8s_docs}
    assert {"Namespace", "ConfigMap", "Secret", "Deployment", "Job", "Service"} <= kinds
    namespace = k8s_find(k8s_docs, "Namespace", "cpr")
    for filename, doc in k8s_docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), filename
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"]), doc["metadata"]["name"]
        if doc is not namespace:
            assert doc["metadata"]["namespace"] == "cpr", (filename, doc["metadata"]["name"])
        if doc["kind"] in ("Deployment", "Job"):
            assert doc["apiVersion"] == ("apps/v1" if doc["kind"] == "Deployment" else "batch/v1")
            template_labels = doc["spec"]["template"]["metadata"]["labels"]
            selector = doc["spec"].get("selector", {}).get("matchLabels", {})
            assert selector.items() <= template_labels.items(), f"{doc['metadata']['name']}: selector does not match its pods"


def _container(doc: dict) -> dict:
    containers = doc["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_service_workloads_match_compose(k8s_docs, compose, service):
    image = compose["services"][f"{slug(service)}-api"]["image"]
    port = DEFAULT_PORTS[service]

    api = k8s_find(k8s_docs, "Deployment", f"{slug(service)}-api")
    c = _container(api)
    assert c["image"] == image
    assert c["command"] == compose["services"][f"{slug(service)}-api"]["command"] == api_command(service)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": port}

    def probe_port(probe):
        value = probe["httpGet"]["port"]
        return ports[value] if isinstance(value, str) else value

    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz" and probe_port(c["readinessProbe"]) == port
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz" and probe_port(c["livenessProbe"]) == port

    svc = k8s_find(k8s_docs, "Service", slug(service))
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items(), "the Service selects no API pod"
    (svc_port,) = svc["spec"]["ports"]
    target = svc_port["targetPort"]
    assert (ports[target] if isinstance(target, str) else target) == port
    worker_labels = k8s_find(k8s_docs, "Deployment", f"{slug(service)}-worker")["spec"]["template"]["metadata"]["labels"]
    assert not svc["spec"]["selector"].items() <= worker_labels.items(), "the Service must not select worker pods"

    worker = _container(k8s_find(k8s_docs, "Deployment", f"{slug(service)}-worker"))
    assert worker["image"] == image
    assert worker["command"] == compose["services"][f"{slug(service)}-worker"]["command"] == worker_command(service)
    assert "ports" not in worker and "readinessProbe" not in worker

    job = k8s_find(k8s_docs, "Job", f"migrate-{slug(service)}")
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
    migrate = _container(job)
    assert migrate["image"] == image
    assert migrate["command"] == compose["services"][f"migrate-{slug(service)}"]["command"] == migrate_command(service)


@pytest.mark.parametrize("service", SERVICES)
def test_probe_paths_exist_on_the_app(tmp_path, default_settings, service):
    from fastapi.testclient import TestClient

    from shared.http.app import create_app
    from shared.service import make_runtime

    runtime = make_runtime(specs()[service], Settings(data_dir=tmp_path))
    try:
        with TestClient(create_app(runtime)) as client:
            assert client.get("/healthz").status_code == 200
            ready = client.get("/readyz")
            # No schema needed to be ready; what matters is that the route answers (not 404).
            assert ready.status_code in (200, 503)
            assert "checks" in ready.json()
    finally:
        runtime.engine.dispose()


def test_k8s_environment_covers_compose_and_names_real_settings(k8s_docs, compose):
    config = k8s_find(k8s_docs, "ConfigMap", "cpr-config")
    secret = k8s_find(k8s_docs, "Secret", "cpr-secrets")
    names = set(config["data"]) | set(secret["stringData"])
    unknown = names - setting_env_names()
    assert not unknown, f"{sorted(unknown)} are not fields of shared.settings.Settings"
    compose_names = set(compose["services"][f"{slug(SERVICES[0])}-api"]["environment"])
    assert compose_names <= names, f"k8s lacks {sorted(compose_names - names)}"
    credentials = {"CPR_SECRET_KEY", "CPR_AMQP_URL"} | {f"CPR_{s.upper()}_DATABASE_URL" for s in SERVICES}
    assert not set(config["data"]) & credentials, "credentials belong in the Secret"
    for _, doc in k8s_docs:
        if doc["kind"] in ("Deployment", "Job"):
            refs = _container(doc)["envFrom"]
            assert {"configMapRef": {"name": "cpr-config"}} in refs and {"secretRef": {"name": "cpr-secrets"}} in refs


def test_k8s_secret_is_a_template_with_placeholders_only(k8s_docs):
    secret_docs = [(f, d) for f, d in k8s_docs if d["kind"] == "Secret"]
    assert [f for f, _ in secret_docs] == [SECRET_TEMPLATE.name]
    (_, secret), = secret_docs
    assert "data" not in secret, "no base64 values: stringData placeholders only"
    for key, value in secret["stringData"].items():
        assert "CHANGE-ME" in value, f"{key} holds a value that is not a placeholder"
        if "://" in value:
            assert urlsplit(value).password is None or "CHANGE-ME" in urlsplit(value).password, key


def test_k8s_pods_run_as_the_image_user(k8s_docs):
    uid = dockerfile_user_id()
    pods = [d for _, d in k8s_docs if d["kind"] in ("Deployment", "Job")]
    assert len(pods) == 3 * len(SERVICES)
    for doc in pods:
        security = doc["spec"]["template"]["spec"]["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == uid, doc["metadata"]["name"]
        assert _container(doc)["securityContext"]["allowPrivilegeEscalation"] is False


# -- Prometheus -----------------------------------------------------------------------------
SCRAPE_CONFIG = DEPLOY / "prometheus" / "scrape-config.yaml"


@pytest.mark.parametrize("service", SERVICES)
def test_prometheus_scrapes_every_api_pod_with_the_metrics_token(k8s_docs, tmp_path, default_settings, service):
    """The scrape job finds the API pods through their Service's port and sends a bearer token
    from a file; the app answers /metrics to that token only (issue 17: /metrics was open)."""
    from fastapi.testclient import TestClient

    from shared.http.app import create_app
    from shared.service import make_runtime

    jobs = {j["job_name"]: j for j in yaml.safe_load(SCRAPE_CONFIG.read_text())["scrape_configs"]}
    assert set(jobs) == {f"cpr-{slug(s)}" for s in SERVICES}
    job = jobs[f"cpr-{slug(service)}"]
    assert job["authorization"]["type"] == "Bearer" and job["authorization"]["credentials_file"]
    assert "credentials" not in job["authorization"], "the token is a file, never in the config"
    (sd,) = job["kubernetes_sd_configs"]
    namespace = k8s_find(k8s_docs, "Namespace", "cpr")["metadata"]["name"]
    assert sd["role"] == "endpoints" and sd["namespaces"]["names"] == [namespace]
    keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    (svc_port,) = k8s_find(k8s_docs, "Service", slug(service))["spec"]["ports"]
    assert [r["source_labels"] for r in keep] == [["__meta_kubernetes_service_name", "__meta_kubernetes_endpoint_port_name"]]
    assert re.fullmatch(keep[0]["regex"], f"{slug(service)};{svc_port['name']}")
    for other in SERVICES:
        if other != service:
            assert not re.fullmatch(keep[0]["regex"], f"{slug(other)};{svc_port['name']}")

    secret = k8s_find(k8s_docs, "Secret", "cpr-secrets")
    config = k8s_find(k8s_docs, "ConfigMap", "cpr-config")
    assert "CPR_METRICS_TOKEN" in secret["stringData"] and "CPR_METRICS_TOKEN" not in config["data"]
    runtime = make_runtime(specs()[service], Settings(data_dir=tmp_path, metrics_token="scraper-token"))
    try:
        with TestClient(create_app(runtime)) as client:
            assert client.get(job["metrics_path"], headers={"Authorization": "Bearer scraper-token"}).status_code == 200
            assert client.get(job["metrics_path"]).status_code == 401
    finally:
        runtime.engine.dispose()
