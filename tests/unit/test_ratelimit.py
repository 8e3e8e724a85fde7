from shared.http.ratelimit import TokenBuckets, retry_after_header


def test_burst_then_refill_per_key():
    b = TokenBuckets(rate_per_second=2, burst=3)
    assert [b.take("k", now=0) for _ in range(3)] == [0, 0, 0]
    wait = b.take("k", now=0)
    assert 0.49 < wait <= 0.5
    assert retry_after_header(wait) == "1"
    assert b.take("other", now=0) == 0  # another key is not affected
    assert b.take("k", now=0.6) == 0  # refilled


def test_zero_rate_means_unlimited():
    b = TokenBuckets(rate_per_second=0, burst=0)
    assert all(b.take("k") == 0 for _ in range(1000))
