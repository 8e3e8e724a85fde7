from __future__ import annotations

import pytest

from tests.support import ProcessStack


@pytest.fixture
def stack(settings, keys, tmp_path, runtimes):
    """The three APIs and three workers as real processes on PostgreSQL and RabbitMQ."""
    s = ProcessStack(settings, tmp_path)
    try:
        s.start_all()
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.stop()
