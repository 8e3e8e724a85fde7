"""Link tokens, CSRF values, language choice and Welsh dates: pure rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.web import i18n
from shared.web.security import csrf_form_value, csrf_ok
from shared.web.tokens import TokenExpired, TokenInvalid, make_token, read_token

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_a_token_reads_back_for_its_purpose_until_it_expires():
    token = make_token("k", "meeting-reply", {"m": "m1", "p": "p1"}, NOW + timedelta(days=1))
    assert read_token("k", "meeting-reply", token, now=NOW) == {"m": "m1", "p": "p1"}
    with pytest.raises(TokenExpired):
        read_token("k", "meeting-reply", token, now=NOW + timedelta(days=2))


def test_a_token_is_single_purpose_and_tamper_evident():
    token = make_token("k", "meeting-reply", {"m": "m1", "p": "p1"}, NOW + timedelta(days=1))
    with pytest.raises(TokenInvalid):
        read_token("k", "poll-answer", token, now=NOW)
    with pytest.raises(TokenInvalid):
        read_token("other-secret", "meeting-reply", token, now=NOW)
    body, _, sig = token.rpartition(".")
    forged = make_token("k2", "meeting-reply", {"m": "m2", "p": "p1"}, NOW + timedelta(days=1))
    with pytest.raises(TokenInvalid):
        read_token("k", "meeting-reply", forged.rpartition(".")[0] + "." + sig, now=NOW)
    for junk in ("", "abc", "a.b.c", token[:-2]):
        with pytest.raises(TokenInvalid):
            read_token("k", "meeting-reply", junk, now=NOW)


def test_csrf_needs_the_cookie_and_its_signed_value_and_a_same_site_request():
    value = csrf_form_value("k", "cookie1")
    assert csrf_ok("k", "cookie1", value, "same-origin")
    assert csrf_ok("k", "cookie1", value, None)  # older browsers send no Sec-Fetch-Site
    assert not csrf_ok("k", "cookie2", value, None)
    assert not csrf_ok("k", None, value, None)
    assert not csrf_ok("k", "cookie1", None, None)
    assert not csrf_ok("k", "cookie1", value, "cross-site")


@pytest.mark.parametrize("query, cookie, accept, expected", [
    ("en", "cy", "cy", "en"),
    (None, "en", "cy", "en"),
    (None, None, "en-GB,en;q=0.9,cy;q=0.8", "en"),
    (None, None, "fr, cy-GB;q=0.5, en;q=0.4", "cy"),
    (None, None, None, "cy"),
    ("xx", "yy", "de", "cy"),
])
def test_language_choice(query, cookie, accept, expected):
    assert i18n.pick_language(query, cookie, accept) == expected


def test_dates_in_welsh_and_english_in_london_time():
    start = datetime(2026, 10, 25, 9, 30, tzinfo=UTC)  # the autumn change: 09:30 GMT
    end = start + timedelta(hours=2)
    assert i18n.format_span(start, end, "en") == "Sunday 25 October 2026, 09:30 to 11:30"
    assert i18n.format_span(start, end, "cy") == "Dydd Sul 25 Hydref 2026, 09:30 tan 11:30"
    summer = datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert i18n.format_span(summer, summer + timedelta(hours=1), "cy") == "Dydd Mawrth 3 Mawrth 2026, 09:00 tan 10:00"
