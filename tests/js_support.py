"""Running the real JavaScript clients (tests/js/*.mjs, npm dev dependencies in node_modules)
from pytest. Outside CI a missing node or package skips the test; in CI (`CI` set, .ci/run
does `npm ci`) it fails, as the browser tests do for chromium and axe-core."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

JS = ROOT / "tests" / "js"
NODE_MODULES = ROOT / "node_modules"


def require_node(*packages: str) -> str:
    node = shutil.which("node")
    missing = [] if node else ["node"]
    missing += [p for p in packages if not (NODE_MODULES / p / "package.json").exists()]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing (.ci/run runs npm ci)")
        pytest.skip(f"{', '.join(missing)} missing: npm ci")
    return node


def run_node(script: str, *args: str | Path, packages: tuple[str, ...], stdin: str | None = None,
             timeout: float = 180) -> dict:
    """Run tests/js/<script> with node and return the JSON it prints on stdout."""
    node = require_node(*packages)
    done = subprocess.run([node, str(JS / script), *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)
