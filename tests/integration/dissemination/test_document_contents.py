"""The anonymisation gate reads uploaded files too: the text of a PDF, Word, OpenDocument,
HTML or plain-text document is checked like every other text of a publication, and a file whose
text cannot be read is refused (a document that cannot be checked cannot be published)."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from services.dissemination.publications.models import PublicationDocument
from tests.integration.dissemination.conftest import publication_body
from tests.unit.dissemination.document_files import DOCX, ODT, PDF, W, make_docx, make_odt, make_pdf, para, zip_of

pytestmark = pytest.mark.integration

CLEAN = "Agencies share chronologies at the strategy meeting."
LEAKS = {
    "nhs_number": "The child's NHS number was 943 476 5919.",
    "postcode": "The family lived at CF10 3NQ before moving.",
    "name": "Tegan Price was not seen alone.",  # the conftest's identifier_names
}
SECRETS = ("943 476 5919", "9434765919", "CF10 3NQ", "Tegan", "Price")


def _html(text: str) -> bytes:
    return f"<!doctype html><html><body><h1>Learning</h1><p>{text}</p></body></html>".encode()


FORMATS = {
    "pdf": (PDF, lambda text: make_pdf("Learning from a review", text)),
    "docx": (DOCX, lambda text: make_docx(para("Learning") + para(text))),
    "odt": (ODT, lambda text: make_odt(f"<text:h>Learning</text:h><text:p>{text}</text:p>")),
    "html": ("text/html", _html),
    "txt": ("text/plain; charset=utf-8", lambda text: f"Learning\n{text}\n".encode()),
}


@pytest.fixture
def publication(clients, keys):
    r = clients["dissemination"].post("/v1/publications", json=publication_body(status="draft"), headers=keys.board())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _upload(clients, keys, pid: str, media_type: str, content: bytes):
    return clients["dissemination"].post(f"/v1/publications/{pid}/documents", headers=keys.board(),
                                         data={"kind": "report", "title_en": "Report", "title_cy": "Adroddiad"},
                                         files={"file": ("report", content, media_type)})


def _stored(runtimes) -> int:
    with Session(runtimes["dissemination"].engine) as s:
        return len(s.exec(select(PublicationDocument)).all())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_clean_document_is_stored(fmt, clients, keys, runtimes, publication):
    media_type, build = FORMATS[fmt]
    content = build(CLEAN)
    r = _upload(clients, keys, publication, media_type, content)
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(content) and _stored(runtimes) == 1
    assert clients["dissemination"].get(r.headers["location"].split("testserver")[-1],
                                        headers=keys.board()).content == content


@pytest.mark.parametrize("kind", list(LEAKS))
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_document_leaking_an_identifier_is_refused_naming_the_kind(fmt, kind, clients, keys, runtimes,
                                                                      publication):
    media_type, build = FORMATS[fmt]
    r = _upload(clients, keys, publication, media_type, build(LEAKS[kind]))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith("/identifier-in-free-text")
    assert [{"field": e["field"], "code": e["code"]} for e in problem["errors"]] == [
        {"field": "file", "code": f"identifier:{kind}"}]
    for secret in SECRETS:
        assert secret not in r.text  # never echoed
    assert _stored(runtimes) == 0


def test_identifiers_hidden_in_a_word_documents_header_or_tracked_deletion_are_found(clients, keys, runtimes,
                                                                                     publication):
    header = make_docx(para(CLEAN), word__header1_xml=f"<w:hdr {W}>{para('Ref 943 476 5919')}</w:hdr>")
    deleted = make_docx(para(CLEAN) + "<w:p><w:del><w:r><w:delText>Tegan Price</w:delText></w:r></w:del></w:p>")
    for content, kind in ((header, "nhs_number"), (deleted, "name")):
        r = _upload(clients, keys, publication, DOCX, content)
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == f"identifier:{kind}", r.text
    assert _stored(runtimes) == 0


@pytest.mark.parametrize("media_type, content", [
    (PDF, b"%PDF-1.4 not really a PDF"),
    (PDF, make_pdf("")),  # no text layer: a scan cannot be checked
    (DOCX, b"PK\x03\x04 a corrupt zip"),
    (DOCX, zip_of({"word/other.xml": "<x/>"})),
    (ODT, make_docx(para(CLEAN))),  # a zip, but not an OpenDocument text
    ("text/plain", "Tegan Price".encode("utf-16-le")),  # NULs between the letters
], ids=["pdf-corrupt", "pdf-scan", "docx-corrupt", "docx-no-body", "odt-not-odt", "txt-utf16-no-bom"])
def test_a_file_that_cannot_be_read_is_refused_and_not_stored(media_type, content, clients, keys, runtimes,
                                                             publication):
    r = _upload(clients, keys, publication, media_type, content)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith("/document-unreadable") and "could not be checked" in problem["detail"]
    assert problem["errors"][0]["field"] == "file" and problem["errors"][0]["code"] == "unreadable"
    assert "Tegan" not in r.text
    assert _stored(runtimes) == 0


def test_an_encrypted_pdf_is_refused(clients, keys, runtimes, publication):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(CLEAN))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    r = _upload(clients, keys, publication, PDF, buf.getvalue())
    assert r.status_code == 422 and "encrypted" in r.json()["detail"], r.text
    assert _stored(runtimes) == 0


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_small_hostile_file_is_refused_as_unreadable_within_its_budget(kind, clients, keys, runtimes, publication):
    """Issue 17: a few KB that cost pypdf or ElementTree tens of seconds are refused at the
    work budget (checked in a child process), as `document-unreadable`, and nothing is stored."""
    from tests.unit.dissemination.document_files import make_hostile_docx, make_hostile_pdf

    media_type, content = (PDF, make_hostile_pdf(pages=30)) if kind == "pdf" else (DOCX, make_hostile_docx())
    r = _upload(clients, keys, publication, media_type, content)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith("/document-unreadable") and "too many to check" in problem["detail"]
    assert _stored(runtimes) == 0
