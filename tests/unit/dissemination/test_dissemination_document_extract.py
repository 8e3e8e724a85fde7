"""Text extraction from uploaded documents (publications/extract.py), so the anonymisation gate
reads what a board publishes as a file; files are built byte by byte (document_files.py)."""
from __future__ import annotations

import io

import pytest

from services.dissemination.publications import extract
from services.dissemination.publications.anonymisation import gate
from services.dissemination.publications.extract import Unreadable, extract_text
from tests.unit.dissemination.document_files import DOCX, ODT, PDF, W, zip_of, make_docx, make_odt, make_pdf, para


def kinds(text: str, names=("Tegan Price",)) -> set[str]:
    return {f.kind for f in gate({"file": text}, names)}


# -- text and HTML ---------------------------------------------------------------------------

def test_plain_text_is_decoded_utf8_then_windows_1252_and_honours_a_charset():
    assert extract_text("text/plain", "Dysgu i bob asiantaeth ŵ\n".encode()) == "Dysgu i bob asiantaeth ŵ\n"
    assert extract_text("text/plain", "caf\u00e9 \u2019".encode("cp1252")) == "caf\u00e9 \u2019"
    assert extract_text("text/plain; charset=utf-16", "NHS 943 476 5919".encode("utf-16")) == "NHS 943 476 5919"
    assert extract_text("text/plain", "\ufeffBOM".encode("utf-8")) == "BOM"


def test_text_as_a_reader_sees_it_no_break_spaces_soft_hyphens_and_ligatures():
    text = extract_text("text/plain", "943\u00a0476\u00a05919, Te\u00adgan Pri\u200bce, Gri\ufb03ths".encode())
    assert text == "943 476 5919, Tegan Price, Griffiths"
    assert kinds(text) == {"nhs_number", "name"}


def test_text_with_nul_characters_or_a_binary_in_disguise_cannot_be_checked():
    for data in ("Tegan Price".encode("utf-16-le"), make_pdf("x"), make_docx(para("x"))):
        with pytest.raises(Unreadable):
            extract_text("text/plain", data)


def test_html_loses_its_tags_decodes_entities_and_keeps_what_a_reader_sees_or_follows():
    html = (b"<!doctype html><html><head><title>Report</title><style>p{color:red}</style></head><body>"
            b"<h1>Learning</h1><p>Seen at CF10&#32;3NQ &amp; <b>Teg</b>an Price</p>"
            b'<p><img src="x.png" alt="Photo of the family home"><a href="mailto:mam@example.com">write</a></p>'
            b"<!-- NHS 943 476 5919 --><p>943&nbsp;476&nbsp;5919</p></body></html>")
    text = extract_text("text/html; charset=utf-8", html)
    assert "<" not in text.replace("<!--", "") and "&amp;" not in text
    assert "CF10 3NQ & Tegan Price" in text and "Photo of the family home" in text
    assert "Learning\n" in text and "\nSeen at" in text  # block tags break words
    assert kinds(text) == {"postcode", "name", "email", "nhs_number"}
    assert kinds(extract_text("text/html", b"<p>Agencies share chronologies.</p>")) == set()


# -- docx ------------------------------------------------------------------------------------

def test_docx_body_headers_footers_footnotes_comments_and_tracked_deletions():
    header = f'<w:hdr {W}>{para("Postcode NP20 1AB")}</w:hdr>'
    footnotes = f'<w:footnotes {W}><w:footnote w:id="1">{para("See ", "0292 087 2087")}</w:footnote></w:footnotes>'
    comments = f'<w:comments {W}><w:comment w:id="0">{para("ask mam@example.com")}</w:comment></w:comments>'
    deleted = '<w:p><w:del><w:r><w:delText>Tegan Price</w:delText></w:r></w:del></w:p>'
    body = para("Learning ", "about neglect.") + para("Teg", "an") + deleted
    data = make_docx(body, word__header1_xml=header, word__footnotes_xml=footnotes, word__comments_xml=comments)
    text = extract_text(DOCX, data)
    assert "Learning about neglect.\nTegan\n" in text  # runs join within a paragraph, paragraphs do not
    assert kinds(text) == {"postcode", "phone", "email", "name"}
    assert kinds(extract_text(DOCX, make_docx(para("Agencies share ", "chronologies.")))) == set()


def test_docx_document_properties_and_tabs():
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Review about Tegan Price</dc:title>'
            "</cp:coreProperties>")
    text = extract_text(DOCX, make_docx('<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t></w:r></w:p>',
                                        docProps__core_xml=core))
    assert "a b" in text and kinds(text) == {"name"}


def test_a_zip_without_the_main_part_or_a_corrupt_zip_cannot_be_checked():
    for data in (zip_of({"word/other.xml": "<x/>"}), b"PK\x03\x04 not really", make_docx(para("x"))[:-30]):
        with pytest.raises(Unreadable):
            extract_text(DOCX, data)


def test_zip_bombs_and_dtds_are_refused(monkeypatch):
    big = "<w:p><w:r><w:t>" + "a" * 2_000_000 + "</w:t></w:r></w:p>"
    bomb = make_docx(big)
    assert len(bomb) < 20_000
    monkeypatch.setattr(extract.LIMITS, "max_xml_bytes", 1_000_000)
    with pytest.raises(Unreadable, match="expand"):
        extract_text(DOCX, bomb)
    monkeypatch.setattr(extract.LIMITS, "max_zip_uncompressed", 1_000_000)
    with pytest.raises(Unreadable, match="expands"):
        extract_text(DOCX, bomb)
    monkeypatch.setattr(extract.LIMITS, "max_zip_entries", 5)
    with pytest.raises(Unreadable, match="parts"):
        extract_text(DOCX, zip_of({f"word/p{i}.xml": "<x/>" for i in range(6)}))
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              f"<w:document {W}><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(Unreadable, match="DTD"):
        extract_text(DOCX, zip_of({"word/document.xml": laughs}))


def test_extracted_text_over_the_cap_is_refused_not_cut(monkeypatch):
    monkeypatch.setattr(extract.LIMITS, "max_text_chars", 100)
    extract_text("text/plain", b"a" * 100)
    with pytest.raises(Unreadable, match="too much"):
        extract_text("text/plain", b"a" * 101)  # the rest would go unchecked


def test_deeply_nested_xml_does_not_exhaust_the_stack():
    deep = "<w:r>" * 50_000 + "<w:t>Tegan Price</w:t>" + "</w:r>" * 50_000
    try:
        text = extract_text(DOCX, make_docx(f"<w:p>{deep}</w:p>"))
    except Unreadable:
        return  # the XML parser may refuse it: also fine, nothing stored
    assert kinds(text) == {"name"}


# -- odt -------------------------------------------------------------------------------------

def test_odt_mixed_content_spans_spaces_and_headers():
    content = ('<text:h>Learning</text:h><text:p>Seen at <text:span>CF10</text:span><text:s/>3NQ by '
               "<text:span>Teg</text:span>an Price.</text:p><text:p>Next</text:p>")
    styles = '<style:master-page><style:header><text:p>Call 07700 900123</text:p></style:header></style:master-page>'
    text = extract_text(ODT, make_odt(content, styles))
    assert "Learning\nSeen at CF10 3NQ by Tegan Price.\nNext" in text
    assert kinds(text) == {"postcode", "name", "phone"}
    assert kinds(extract_text(ODT, make_odt("<text:p>Agencies share chronologies.</text:p>"))) == set()
    with pytest.raises(Unreadable):
        extract_text(ODT, zip_of({"mimetype": ODT}))


# -- PDF -------------------------------------------------------------------------------------

def test_pdf_text_of_every_page_and_the_document_information():
    data = make_pdf("Learning about neglect.", "NHS number 943 476 5919", info="/Title (About Tegan Price)")
    text = extract_text(PDF, data)
    assert "Learning about neglect." in text and "943 476 5919" in text
    assert kinds(text) == {"nhs_number", "name"}
    assert kinds(extract_text(PDF, make_pdf("Agencies share chronologies."))) == set()


def test_pdf_encrypted_corrupt_scanned_or_too_long_cannot_be_checked(monkeypatch):
    from pypdf import PdfReader, PdfWriter

    def encrypted(user: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Seen at NP20 1AB"))))
        writer.encrypt(user_password=user, owner_password="owner", algorithm="RC4-128")
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()

    with pytest.raises(Unreadable, match="encrypted"):
        extract_text(PDF, encrypted("secret"))
    # An owner password alone (anyone can open it) does not stop the check.
    assert kinds(extract_text(PDF, encrypted(""))) == {"postcode"}
    for data in (b"%PDF-1.4 anonymised report", b"not a pdf", make_pdf("x")[:200]):
        with pytest.raises(Unreadable):
            extract_text(PDF, data)
    with pytest.raises(Unreadable, match="no text layer"):
        extract_text(PDF, make_pdf(""))
    monkeypatch.setattr(extract.LIMITS, "max_pdf_pages", 2)
    with pytest.raises(Unreadable, match="pages"):
        extract_text(PDF, make_pdf("a", "b", "c"))


def test_an_unknown_type_cannot_be_checked():
    with pytest.raises(Unreadable):
        extract_text("application/x-msdownload", b"MZ")


def test_docx_parts_a_reader_follows_or_sees_hyperlinks_alt_text_app_and_custom_properties():
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"'
            ' Target="mailto:jo.bloggs@example.com" TargetMode="External"/></Relationships>')
    wp = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    body = (f'<w:p><w:r><w:drawing><wp:inline {wp}><wp:docPr id="1" name="Picture 1" '
            'descr="Photo of the house at 12 Heol y Felin"/></wp:inline></w:drawing></w:r></w:p>')
    app = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           'extended-properties"><Company>Ward 3</Company><Manager>Mr Hughes</Manager></Properties>')
    custom = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
              'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="CaseRef">'
              '<vt:lpwstr>NHS 943 476 5919</vt:lpwstr></property></Properties>')
    data = make_docx(body + para("Learning from the review."), **{"word/_rels/document.xml.rels": rels},
                     docProps__app_xml=app, docProps__custom_xml=custom)
    text = extract_text(DOCX, data)
    kinds = {f.kind for f in gate({"file": text})}
    assert {"email", "address", "name", "nhs_number"} <= kinds


def test_html_data_attributes_and_srcset_are_read():
    html = ('<p data-child="Jason Evans">Learning</p>'
            '<img alt="chart" srcset="https://x.test/img.png?postcode=CF10%203NQ 2x, https://x.test/a.png?e=jo%40example.com 1x">')
    kinds = {f.kind for f in gate({"file": extract_text("text/html", html.encode())})}
    assert {"name", "email"} <= kinds


# -- work budgets (issue 17: a 3.5 KB PDF cost 25 s, a 28 KB docx 16 s) -----------------------

class _Runaway(BaseException):
    """Raised by a counter; a BaseException so that extract_text's `except Exception` lets it out."""


def test_a_pdf_whose_pages_share_a_stream_of_100000_empty_operators_is_refused_before_parsing(monkeypatch):
    """Counted from the raw stream before pypdf parses it: at most the pages within budget are
    parsed (the budget is 300,000 tokens, a page here is 200,000), never all of them."""
    from pypdf import PageObject

    from tests.unit.dissemination.document_files import make_hostile_pdf

    data = make_hostile_pdf(pages=30)
    assert len(data) < 8_000
    parsed = {"pages": 0}
    original = PageObject.extract_text

    def counted(self, *a, **kw):
        parsed["pages"] += 1
        if parsed["pages"] > 3:
            raise _Runaway
        return original(self, *a, **kw)

    monkeypatch.setattr(PageObject, "extract_text", counted)
    with pytest.raises(Unreadable, match="drawing operators"):
        extract_text(PDF, data)
    assert parsed["pages"] <= extract.LIMITS.max_pdf_tokens // 200_000


def test_a_docx_with_millions_of_empty_elements_is_refused_before_parsing(monkeypatch):
    from xml.etree import ElementTree

    from tests.unit.dissemination.document_files import make_hostile_docx

    data = make_hostile_docx(3_200_000)
    assert len(data) < 60_000

    def never(*a, **kw):
        raise _Runaway

    monkeypatch.setattr(ElementTree, "fromstring", never)
    with pytest.raises(Unreadable, match="XML elements"):
        extract_text(DOCX, data)


def test_a_document_within_the_budgets_is_read():
    from tests.unit.dissemination.document_files import make_hostile_docx, make_hostile_pdf

    assert "Annual report" in extract_text(PDF, make_hostile_pdf(pages=1, operators=1_000))
    assert "Annual report" in extract_text(DOCX, make_hostile_docx(1_000))


# -- the sandboxed call the service makes ------------------------------------------------------

def test_the_sandboxed_extraction_gives_the_same_text_and_refusals():
    """A child process (real interpreter) reads the file; its answer and its Unreadable come back."""
    data = make_docx(para("Agencies share ", "chronologies."))
    assert extract.extract_text_sandboxed(DOCX, data) == extract_text(DOCX, data)
    with pytest.raises(Unreadable, match="corrupt"):
        extract.extract_text_sandboxed(PDF, b"%PDF-1.4 not really a PDF")


def test_the_parents_limits_apply_in_the_child(monkeypatch):
    monkeypatch.setattr(extract.LIMITS, "max_text_chars", 5)
    with pytest.raises(Unreadable, match="more than 5 characters"):
        extract.extract_text_sandboxed("text/plain", b"more than five")


def test_a_parse_over_the_cpu_budget_is_killed_and_refused(monkeypatch):
    """The backstop for work the counts do not see: with the token budget lifted, the hostile
    PDF runs into the child's CPU limit (RLIMIT_CPU) and is refused, and the service lives on."""
    from tests.unit.dissemination.document_files import make_hostile_pdf

    monkeypatch.setattr(extract.LIMITS, "max_pdf_tokens", 10**9)
    monkeypatch.setattr(extract.LIMITS, "cpu_seconds", 1)
    with pytest.raises(Unreadable, match="more than 1 s of processing"):
        extract.extract_text_sandboxed(PDF, make_hostile_pdf(pages=60))


def test_a_parse_over_the_wall_clock_budget_is_killed_and_refused(monkeypatch):
    from tests.unit.dissemination.document_files import make_hostile_pdf

    monkeypatch.setattr(extract.LIMITS, "max_pdf_tokens", 10**9)
    monkeypatch.setattr(extract.LIMITS, "wall_seconds", 1)
    with pytest.raises(Unreadable, match="more than 1 s"):
        extract.extract_text_sandboxed(PDF, make_hostile_pdf(pages=60))


def test_a_parse_over_the_memory_budget_is_refused(monkeypatch):
    monkeypatch.setattr(extract.LIMITS, "memory_bytes", 20_000_000)
    body = para("x" * 1000) * 20_000  # 20 MB of text once read: more than the 20 MB the child may add
    with pytest.raises(Unreadable, match="memory"):
        extract.extract_text_sandboxed(DOCX, make_docx(body))
