"""The one retry policy both transports apply."""
from shared.messaging.topology import Topology
from shared.messaging.transport import TRANSIENT_HEADER, Delivery, after_failure

TOPO = Topology(prefix="t", service="s", bindings=("x.y.v1",), retry_delays_ms=(100, 1000, 5000), max_attempts=4)


class Bug(Exception):
    pass


class Poison(Exception):
    permanent = True


class DatabaseDown(Exception):
    transient = True


def _delivery(attempts=0, transient=0):
    return Delivery(b"{}", "m1", "x.y.v1", attempts, {TRANSIENT_HEADER: transient} if transient else {})


def test_ordinary_failures_climb_the_tiers_then_dead_letter_at_max_attempts():
    steps = [after_failure(TOPO, _delivery(attempts=n), Bug()) for n in range(4)]
    assert [(s.dead_letter, s.retry_tier, s.attempts) for s in steps] == [
        (False, 1, 1), (False, 2, 2), (False, 3, 3), (True, 3, 4)]


def test_a_poison_message_is_dead_lettered_at_once():
    step = after_failure(TOPO, _delivery(), Poison())
    assert step.dead_letter and step.attempts == 1


def test_a_database_outage_backs_off_but_never_uses_up_attempts():
    d = _delivery(attempts=3)  # one ordinary failure from the dead-letter queue
    for n in range(1, 20):
        step = after_failure(TOPO, d, DatabaseDown())
        assert not step.dead_letter and step.attempts == 3 and step.transient_failures == n
        assert step.retry_tier == min(n, 3)
        d = _delivery(attempts=step.attempts, transient=step.transient_failures)
