#!/usr/bin/env bash
# Rewrite deploy/rabbitmq/definitions.json from the topology the code declares
# (`cpr rabbitmq-definitions`, default settings), keeping the vhosts, users and permissions
# already in the file. Run it after adding or changing an event handler:
#
#   deploy/rabbitmq/regenerate.sh            # rewrites deploy/rabbitmq/definitions.json
#   deploy/rabbitmq/regenerate.sh OUT.json   # rewrites another file (used by the tests)
#
# PYTHON selects the interpreter (default: the repository's .venv, else python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/definitions.json}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; else python=python3; fi
fi

# The committed file describes the default settings: ignore any CPR_* in this shell
# (a test prefix or a different retry ladder must not leak into it).
for name in $(compgen -e); do
  if [[ "$name" == CPR_* ]]; then unset "$name"; fi
done

generated="$(cd "$root" && "$python" -m services.cli rabbitmq-definitions)"

GENERATED="$generated" "$python" - "$out" <<'PY'
import json
import os
import sys
from pathlib import Path

out = Path(sys.argv[1])
generated = json.loads(os.environ["GENERATED"])
existing = json.loads(out.read_text()) if out.exists() else {}

def by_name(items):
    return {item["name"]: item for item in items}

# Kept from the file: who may log in, and where. Taken from the code: the topology.
vhosts = by_name(existing.get("vhosts", []))
for vhost in generated.get("vhosts", []):
    vhosts.setdefault(vhost["name"], vhost)
doc = {
    "vhosts": [vhosts[name] for name in sorted(vhosts)],
    "users": existing.get("users", []),
    "permissions": existing.get("permissions", []),
    "exchanges": generated["exchanges"],
    "queues": generated["queues"],
    "bindings": generated["bindings"],
}
out.write_text(json.dumps(doc, indent=2) + "\n")
print(f"wrote {out}: {len(doc['exchanges'])} exchanges, {len(doc['queues'])} queues, "
      f"{len(doc['bindings'])} bindings")
PY
