"""The quick start's transport keeps a message until its handler returned: a new broker on
the same file (a restarted process) gets back what was never acknowledged."""
from __future__ import annotations

import threading

from shared.messaging.inprocess import InProcessBroker, InProcessTransport
from shared.messaging.topology import Topology
from tests.support import wait_until

TOPOLOGY = Topology(prefix="t", service="scheduler", bindings=("review.#",), retry_delays_ms=(10,), max_attempts=2)


def _consume(transport, handler):
    stop = threading.Event()
    thread = threading.Thread(target=transport.run_consumer, args=(TOPOLOGY, handler, stop), daemon=True)
    thread.start()
    return stop, thread


def test_a_message_whose_handler_never_returned_is_delivered_after_a_restart(tmp_path):
    first = InProcessTransport(InProcessBroker(tmp_path / "events.db"))
    first.declare(TOPOLOGY)
    first.publisher().publish("review.referred.v1", b"{}", "m-1")
    started, never = threading.Event(), threading.Event()

    def crashes(delivery):  # the process dies inside the handler: it never returns
        started.set()
        never.wait()

    stop, _ = _consume(first, crashes)
    assert started.wait(5)
    stop.set()

    # A new process: the bindings and the unacknowledged message are both still there.
    second = InProcessTransport(InProcessBroker(tmp_path / "events.db"))
    second.publisher().publish("review.decided.v1", b"{}", "m-2")
    got = []
    stop, thread = _consume(second, lambda d: got.append(d.message_id))
    wait_until(lambda: got == ["m-1", "m-2"], timeout=10, what="both messages")
    stop.set()
    thread.join(5)
    never.set()
    assert second.broker.pending(TOPOLOGY.queue) == 0


def test_failures_are_retried_then_dead_lettered_and_can_be_replayed(tmp_path):
    transport = InProcessTransport(InProcessBroker(tmp_path / "events.db", retry_scale=1.0))
    transport.declare(TOPOLOGY)
    transport.publisher().publish("review.referred.v1", b"{}", "m-1")
    calls = []

    def fails(delivery):
        calls.append(delivery.attempts)
        raise RuntimeError("boom")

    stop, thread = _consume(transport, fails)
    wait_until(lambda: transport.dead_letters(TOPOLOGY), timeout=10, what="the dead letter")
    stop.set()
    thread.join(5)
    assert calls == [0, 1]
    [letter] = transport.dead_letters(TOPOLOGY)
    assert letter.attempts == 2 and "boom" in letter.last_error
    assert transport.replay_dead_letters(TOPOLOGY) == 1
    assert transport.dead_letters(TOPOLOGY) == [] and transport.broker.pending(TOPOLOGY.queue) == 1
