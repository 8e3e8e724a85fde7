"""Publications: bilingual publishing rules, the anonymisation gate on every text field,
board scoping, withdrawal and expiry, stored documents, and the publication events."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import date, timedelta

import feedparser
import pytest
from sqlmodel import Session, select

from shared.outbox import OutboxMessage
from services.dissemination.publications.service import expire_due
from tests.integration.dissemination.conftest import publication_body
from tests.support import wait_until
from tests.unit.dissemination.document_files import make_pdf

pytestmark = pytest.mark.integration

NHS = "943 476 5919"  # a valid check digit
IDENTIFIERS = {
    "nhs_number": f"The child's NHS number was {NHS}.",
    "postcode": "The family lived at CF10 3NQ before moving.",
    "phone": "Call the duty team on 029 2087 2087.",
    "email": "Contact mam.teulu@example.com for detail.",
    "date_of_birth": "The baby, born on 12 March 2019, was seen twice.",
    "name": "Tegan Price was not seen alone.",
}
TEXT_FIELDS = ["title.en", "title.cy", "summary.en", "summary.cy", "learning_points[0].en",
               "learning_points[0].cy", "recommendations[0]", "documents[0].title.en", "documents[0].title.cy"]


def _set(body: dict, field: str, value: str) -> None:
    if field == "recommendations[0]":
        body["recommendations"][0] = value
    elif field.startswith("learning_points[0]."):
        body["learning_points"][0][field.rsplit(".", 1)[1]] = value
    elif field.startswith("documents[0].title."):
        body["documents"] = [{"kind": "report", "url": "https://gwent.example.wales/report.pdf",
                              "title": {"en": "Report", "cy": "Adroddiad", field.rsplit(".", 1)[1]: value}}]
    else:
        key, lang = field.split(".")
        body[key][lang] = value


def _outbox(runtimes, type_):
    with Session(runtimes["dissemination"].engine) as s:
        return [json.loads(m.body) for m in s.exec(select(OutboxMessage).where(OutboxMessage.event_type == type_)).all()]


def _count_publications(runtimes) -> int:
    from services.dissemination.publications.models import Publication

    with Session(runtimes["dissemination"].engine) as s:
        return len(s.exec(select(Publication)).all())


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("kind", list(IDENTIFIERS))
def test_the_anonymisation_gate_checks_every_text_field(field, kind, clients, keys, runtimes):
    body = publication_body()
    _set(body, field, IDENTIFIERS[kind])
    r = clients["dissemination"].post("/v1/publications", json=body, headers=keys.board())
    assert r.status_code == 422, r.text
    problem = r.json()
    assert {"field": field, "code": f"identifier:{kind}"} in [{"field": e["field"], "code": e["code"]} for e in problem["errors"]]
    assert field in problem["detail"]
    for secret in (NHS, "CF10 3NQ", "029 2087 2087", "mam.teulu@example.com", "12 March 2019", "Tegan"):
        assert secret not in r.text  # never echoed
    assert _count_publications(runtimes) == 0


def test_the_gate_also_checks_uploaded_document_titles_and_edits(clients, keys):
    c = clients["dissemination"]
    pub = c.post("/v1/publications", json=publication_body(status="draft"), headers=keys.board()).json()
    r = c.post(f"/v1/publications/{pub['id']}/documents", headers=keys.board(),
               data={"kind": "report", "title_cy": "Adroddiad am Tegan Price"},
               files={"file": ("x.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "title.cy", "in": "body", "code": "identifier:name",
        "message": r.json()["errors"][0]["message"], "start": 13, "end": 24} and "Tegan" not in r.text
    r = c.patch(f"/v1/publications/{pub['id']}", headers=keys.board(),
                json={"summary": {"en": "Seen at NP20 1AB.", "cy": "Gwelwyd."}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "summary.en"


def test_both_languages_are_needed_to_publish_but_not_for_a_draft(clients, keys, runtimes):
    c = clients["dissemination"]
    body = publication_body(status="published")
    body["title"] = {"en": "English only"}
    body["learning_points"] = [{"en": "One point"}]
    r = c.post("/v1/publications", json=body, headers=keys.board())
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"title.cy", "learning_points[0].cy"}
    draft = c.post("/v1/publications", json={**body, "status": "draft"}, headers=keys.board())
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    pid = draft.json()["id"]
    assert c.get(f"/v1/publications/{pid}").status_code == 404  # a draft is not public
    assert c.get(f"/v1/publications/{pid}", headers=keys.board()).json()["status"] == "draft"
    assert c.post(f"/v1/publications/{pid}/publish", headers=keys.board()).status_code == 422
    assert _outbox(runtimes, "publication.published.v1") == []
    fixed = c.patch(f"/v1/publications/{pid}", headers=keys.board(), json={
        "title": {"en": "English only", "cy": "Cymraeg hefyd"},
        "learning_points": [{"en": "One point", "cy": "Un pwynt"}]})
    assert fixed.status_code == 200, fixed.text
    published = c.post(f"/v1/publications/{pid}/publish", headers=keys.board())
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_on"] is not None
    [event] = _outbox(runtimes, "publication.published.v1")
    assert event["data"]["publication_id"] == pid and event["data"]["board_code"] == "gwent"
    assert c.patch(f"/v1/publications/{pid}", headers=keys.board(), json={"themes": []}).status_code == 409


def test_board_scoping_keys_idempotency_and_unknown_themes(clients, keys, emit, workers):
    c = clients["dissemination"]
    rid = str(uuid.uuid4())
    emit("review.referred.v1", review_id=rid, board_code="north-wales", referral_date=date(2026, 1, 5), status="referred")
    emit("review.decision_recorded.v1", review_id=rid, board_code="north-wales", outcome="concise_cpr",
         review_type="concise_cpr", decided_on=date(2026, 1, 20), departs_from_criteria=False, status="in_progress")
    wait_until(lambda: len(c.get("/v1/feed", headers=keys.wg).json()["items"]) == 2, what="the review projection")
    # Another board's review: 404, as every other board's record is.
    assert c.post("/v1/publications", json=publication_body(rid), headers=keys.board("gwent")).status_code == 404
    ok = c.post("/v1/publications", json=publication_body(rid), headers=keys.board("north-wales"))
    assert ok.status_code == 201 and ok.json()["review_type"] == "concise_cpr"
    # An unknown review is accepted (its referral may predate the system or still be on its way).
    assert c.post("/v1/publications", json=publication_body(), headers=keys.board("gwent")).status_code == 201
    # Welsh Government reads; it does not publish on a board's behalf.
    assert c.post("/v1/publications", json=publication_body(), headers=keys.wg).status_code == 403
    assert c.post("/v1/publications", json=publication_body()).status_code == 401
    # Only the owning board acts on a publication.
    pid = ok.json()["id"]
    assert c.post(f"/v1/publications/{pid}/withdraw", headers=keys.board("gwent")).status_code == 404
    # Idempotency-Key: same body replays, another body is 409.
    h = {**keys.board("gwent"), "Idempotency-Key": "pub-1"}
    body = publication_body()
    a, b = c.post("/v1/publications", json=body, headers=h), c.post("/v1/publications", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert c.post("/v1/publications", json=publication_body(), headers=h).status_code == 409
    r = c.post("/v1/publications", json=publication_body(themes=["neglect", "astrology"]), headers=keys.board())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "themes[1]"
    assert "astrology" not in r.text  # client text is named by position, never repeated
    r = c.post("/v1/publications", json={**publication_body(), "child_name": "x"}, headers=keys.board())
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "extra_forbidden"


def test_withdrawal_and_expiry_leave_the_lists_and_show_as_withdrawn(clients, keys, runtimes, emit, workers):
    c = clients["dissemination"]
    kept = c.post("/v1/publications", json=publication_body(), headers=keys.board()).json()
    gone = c.post("/v1/publications", json=publication_body(), headers=keys.board()).json()
    expiring = c.post("/v1/publications", json=publication_body(
        published_on=(date.today() - timedelta(days=30)).isoformat(),
        available_until=(date.today() + timedelta(days=1)).isoformat()), headers=keys.board()).json()
    assert {p["id"] for p in c.get("/v1/publications").json()["items"]} == {kept["id"], gone["id"], expiring["id"]}

    w = c.post(f"/v1/publications/{gone['id']}/withdraw", headers=keys.board())
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    assert c.post(f"/v1/publications/{gone['id']}/withdraw", headers=keys.board()).status_code == 200
    assert c.get(f"/v1/publications/{gone['id']}").status_code == 410
    with Session(runtimes["dissemination"].engine) as s:
        assert expire_due(s, today=date.today() + timedelta(days=2)) == 1
        s.commit()
    assert c.get(f"/v1/publications/{expiring['id']}").status_code == 410
    assert [p["id"] for p in c.get("/v1/publications").json()["items"]] == [kept["id"]]
    withdrawn = _outbox(runtimes, "publication.withdrawn.v1")
    assert sorted(e["data"]["reason"] for e in withdrawn) == ["expired", "withdrawn"]

    # The learning feed keeps both, marked withdrawn, in Welsh and English.
    parsed = feedparser.parse(c.get("/v1/publications.atom").content)
    assert not parsed.bozo
    titles = [e.title for e in parsed.entries]
    assert len(titles) == 6 and len({e.id for e in parsed.entries}) == 6
    assert sum(t.startswith("[Withdrawn] ") for t in titles) == 2
    assert sum(t.startswith("[Tynnwyd yn ôl] ") for t in titles) == 2
    assert titles[0].startswith("[")  # the newest change (the expiry) comes first
    # And the national feed shows them, from the events, once the worker has relayed them.
    wait_until(lambda: sum(i["_cpr"]["entry_type"] == "publication_withdrawn"
                           for i in c.get("/v1/feed", headers=keys.wg).json()["items"]) == 2,
               what="two withdrawals in the national feed")
    published = [i for i in c.get("/v1/feed", headers=keys.wg).json()["items"]
                 if i["_cpr"]["entry_type"] == "publication_published"]
    assert len(published) == 3 and set(published[0]["_cpr"]["data"]["themes"]) == {"neglect", "information_sharing"}


def test_documents_by_url_and_uploaded_files(clients, keys):
    c = clients["dissemination"]
    body = publication_body(documents=[{"kind": "seven_minute_briefing", "url": "https://gwent.example.wales/7mb.pdf",
                                        "title": {"en": "7-minute briefing", "cy": "Briff 7 munud"}}])
    pub = c.post("/v1/publications", json=body, headers=keys.board()).json()
    assert pub["documents"][0]["url"] == "https://gwent.example.wales/7mb.pdf" and not pub["documents"][0]["stored"]
    content = make_pdf("Agencies share chronologies at the strategy meeting.")
    up = c.post(f"/v1/publications/{pub['id']}/documents", headers=keys.board(),
                data={"kind": "report", "title_en": "Report", "title_cy": "Adroddiad"},
                files={"file": ("anything.pdf", content, "application/pdf")})
    assert up.status_code == 201, up.text
    doc = up.json()
    assert doc["stored"] and doc["size"] == len(content)
    dl = c.get(doc["url"].split("testserver")[-1])
    assert dl.status_code == 200 and dl.content == content and dl.headers["content-type"] == "application/pdf"
    assert "attachment" in dl.headers["content-disposition"] and "anything" not in dl.headers["content-disposition"]
    assert len(c.get(f"/v1/publications/{pub['id']}").json()["documents"]) == 2
    bad = c.post(f"/v1/publications/{pub['id']}/documents", headers=keys.board(), data={"kind": "report"},
                 files={"file": ("x.exe", b"MZ", "application/x-msdownload")})
    assert bad.status_code == 415
    assert c.post(f"/v1/publications/{pub['id']}/documents", headers=keys.board("north-wales"), data={"kind": "report"},
                  files={"file": ("x.pdf", content, "application/pdf")}).status_code == 404
