"""Text of an uploaded document, so the anonymisation gate can read what a board publishes as
a file. Pure: bytes in, text out (no FastAPI, database or network).

What is read, by type:
- text/plain, text/html: the decoded text (HTML without its tags, entities decoded, plus the
  attributes a reader sees or follows: alt, title, href, srcset, data-*, ...);
- docx: every WordprocessingML part a reader can see (body, headers, footers, footnotes,
  endnotes, comments, text boxes, charts, SmartArt) including tracked deletions (they stay in
  the file), image alt text, hyperlink targets (word/_rels), and the document properties
  (docProps/core.xml, app.xml, custom.xml);
- odt: content.xml, styles.xml (headers and footers) and meta.xml;
- PDF (pypdf): the text of every page, annotations (comments, link targets), form field
  values, bookmarks and the document information (title, author, ...).

Work budgets: the content-stream tokens of a PDF's pages and the elements of a zip's XML parts
are counted before they are parsed (LIMITS.max_pdf_tokens, max_xml_elements). The service calls
`extract_text_sandboxed`, which runs all of it in a child process with CPU, memory and
wall-clock limits (shared/sandbox.py) as the backstop for what the counts do not see.

A file that cannot be read completely raises `Unreadable` (with a reason that never quotes
the file): corrupt or encrypted, too large to check (entries, uncompressed size, pages,
extracted text), a zip bomb, an XML DTD, over a work budget, or a PDF without any text layer (a scan). The caller
refuses it: a document that cannot be checked cannot be published.
"""
from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

from shared import sandbox

__all__ = ["MEDIA_KINDS", "Unreadable", "extract_text", "extract_text_sandboxed", "LIMITS"]

MEDIA_KINDS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "text/html": "html",
    "text/plain": "txt",
}


class _Limits:
    max_text_chars = 2_000_000  # extracted text; more is refused, not cut (the rest would go unchecked)
    max_zip_entries = 2_000
    max_zip_uncompressed = 100_000_000  # declared total of every entry (a zip bomb's tell)
    max_xml_bytes = 20_000_000  # what is actually inflated and parsed, over all parts read
    max_pdf_pages = 500
    # The work budgets (issue 17: a 3.5 KB PDF cost 25 s, a 28 KB docx 16 s). pypdf's cost is
    # per content-stream token (an operator or operand, ~4 us each) on every page, and pages
    # may share one stream; ElementTree's per element (~3 us each). A typical 50-page report stays
    # well inside both.
    max_pdf_tokens = 300_000  # over all pages' content streams, a shared stream once per page
    max_xml_elements = 300_000  # over all XML parts read
    # The backstop for whatever the budgets above do not see (a PDF form drawn 10,000 times):
    # extract_text_sandboxed runs in a child process with these limits.
    cpu_seconds = 4.0
    wall_seconds = 10.0
    memory_bytes = 384_000_000  # address space on top of the interpreter's


LIMITS = _Limits()


class Unreadable(Exception):
    """The file cannot be checked; `reason` is safe to show (it never quotes the file)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def extract_text_sandboxed(media_type: str, data: bytes) -> str:
    """extract_text in a child process with CPU, memory and wall-clock limits (shared/sandbox.py),
    so a hostile file costs the service at most its budget and never its memory. What the
    service calls on an upload. Raises Unreadable, also for a file over a limit."""
    limits = {name: getattr(LIMITS, name) for name in vars(_Limits) if not name.startswith("_")}
    try:
        return sandbox.run_limited(_extract_with_limits, media_type, data, limits,
                                   cpu_seconds=LIMITS.cpu_seconds, wall_seconds=LIMITS.wall_seconds,
                                   memory_bytes=LIMITS.memory_bytes, errors=(Unreadable,), preload=("pypdf",))
    except sandbox.LimitExceeded as exc:
        what = {"cpu": f"more than {LIMITS.cpu_seconds:g} s of processing",
                "time": f"more than {LIMITS.wall_seconds:g} s",
                "memory": "more memory than allowed"}.get(exc.what)
        if exc.what == "busy":
            raise Unreadable("the server is busy checking other files; try again in a minute") from None
        if what is None:
            raise Unreadable("the checker stopped before it finished reading the file") from None
        raise Unreadable(f"checking the file would take {what}") from None


def _extract_with_limits(media_type: str, data: bytes, limits: dict) -> str:
    """In the child: the parent's limits (tests change them), then extract_text."""
    for name, value in limits.items():
        setattr(LIMITS, name, value)
    return extract_text(media_type, data)


def extract_text(media_type: str, data: bytes) -> str:
    """The text in `data` as a reader of a file of `media_type` would see it (parameters such
    as `; charset=` are honoured for text). Raises Unreadable."""
    base, _, params = (media_type or "").partition(";")
    kind = MEDIA_KINDS.get(base.strip().lower())
    if kind is None:
        raise Unreadable(f"{base.strip() or 'no content type'} is not a type that can be checked")
    try:
        if kind in ("txt", "html"):
            text = _decode(data, _charset(params))
            text = _html_text(text) if kind == "html" else text
        elif kind == "docx":
            text = _docx_text(data)
        elif kind == "odt":
            text = _odt_text(data)
        else:
            text = _pdf_text(data)
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable("the file is nested too deeply to read") from None
    except MemoryError:
        raise Unreadable("the file needs more memory to check than allowed") from None
    except Exception as exc:  # any parser failure on hostile or corrupt input: refuse, never 500
        raise Unreadable(f"the file is corrupt or not a valid {kind} ({type(exc).__name__})") from None
    return _capped(text)


def _capped(text: str) -> str:
    if len(text) > LIMITS.max_text_chars:
        raise _too_much()
    return _as_read(text)


def _as_read(text: str) -> str:
    """What a reader sees: compatibility forms folded (no-break and thin spaces, ligatures such
    as "ﬀ" from PDFs, full-width digits) and invisible format characters (soft hyphen,
    zero-width space and joiners) dropped, so "943\u00a0476\u00a05919" or "Te\u00adgan" is
    checked as it reads."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


# The format characters (Unicode category Cf) a text can carry inside a word.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                        "\ufff9-\ufffb]")


def _too_much() -> Unreadable:
    return Unreadable(f"the file holds more than {LIMITS.max_text_chars:,} characters of text, too much to check")


# -- text and HTML ---------------------------------------------------------------------------

def _charset(params: str) -> str | None:
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params or "", re.IGNORECASE)
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1)).name
    except LookupError:
        return None


def _decode(data: bytes, charset: str | None) -> str:
    if data.startswith(b"%PDF-") or data.startswith(b"PK\x03\x04"):
        raise Unreadable("the file is a PDF or a zip (docx, odt), not text; upload it with its own type")
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    elif charset:
        text = data.decode(charset)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # a Windows text file; undefined bytes hide no text
    if "\x00" in text:
        # UTF-16 without a byte order mark, or binary: identifiers would hide between the NULs.
        raise Unreadable("the file holds NUL characters (binary, or UTF-16 without a byte order mark)")
    return text


# Tags that do not break a word ("<b>Teg</b>an" reads as one word); every other tag does.
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q",
           "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
# Attributes whose values a reader sees (tooltips, alternative text) or follows (links).
_TEXT_ATTRIBUTES = {"alt", "title", "href", "content", "value", "placeholder", "label", "aria-label", "summary",
                    "cite", "action", "datetime", "abbr"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def _tag(self, tag: str, attrs) -> None:
        if tag not in _INLINE:
            self.parts.append("\n")
        for name, value in attrs:
            if value and (name in _TEXT_ATTRIBUTES or name.startswith("data-") or name == "srcset"):
                self.parts.append(f"\n{value}\n")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in _INLINE:
            self.parts.append("\n")

    def handle_data(self, data):  # text, and script/style contents: all of it is in the published file
        self.parts.append(data)

    def handle_comment(self, data):  # not shown, but published with the file
        self.parts.append(f"\n{data}\n")


def _html_text(source: str) -> str:
    parser = _HTMLText()
    parser.feed(source)
    parser.close()
    return "".join(parser.parts)


# -- docx and odt (zip files of XML) ---------------------------------------------------------

_DOCX_SKIP = re.compile(r"^word/(?:styles|stylesWithEffects|settings|webSettings|fontTable|numbering|theme/.*"
                        r"|glossary/(?:styles|settings|webSettings|fontTable|numbering))\.xml$")
_DOCX_PART = re.compile(r"^(?:word/.+\.xml|docProps/(?:core|app|custom)\.xml|word/_rels/.+\.rels)$")
# WordprocessingML/DrawingML text, tracked deletions and field codes (HYPERLINK "mailto:...").
_DOCX_TEXT = {"t", "delText", "instrText", "delInstrText"}
_DOCX_BREAK = {"tab": " ", "br": "\n", "cr": "\n", "noBreakHyphen": "-", "softHyphen": ""}
_DOCX_BLOCK = {"p", "tc", "tr", "txbxContent", "footnote", "endnote", "comment", "hdr", "ftr"}

_CORE_PROPERTIES = "docProps/core.xml"  # title, subject, keywords, description, author: flat, one text each
_CORE_BLOCK = {"title", "subject", "creator", "keywords", "description", "lastModifiedBy", "category",
               "contentStatus", "identifier", "language", "version"}

# Parts read whole (every element's text): application and custom properties (company,
# manager, any custom field a case system stamped on the file).
_DOCX_PROPERTIES = {"docProps/app.xml", "docProps/custom.xml"}
_DOCX_PROPERTY_BLOCK = {"property", "Company", "Manager", "HyperlinkBase", "Template", "lpwstr", "lpstr"}
# Attributes a reader sees or follows: relationship targets (hyperlinks) and image alt text
# (wp:docPr / pic:cNvPr descr and title).
_DOCX_ATTRIBUTES = {"Target", "descr", "title"}

_ODT_PARTS = ("content.xml", "styles.xml", "meta.xml")
_ODT_BREAK = {"s": " ", "tab": " ", "line-break": "\n"}
_ODT_BLOCK = {"p", "h", "list-item", "table-cell", "note-body", "annotation", "meta"}


def _open_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    if len(infos) > LIMITS.max_zip_entries:
        raise Unreadable(f"the file has more than {LIMITS.max_zip_entries:,} parts, too many to check")
    if sum(i.file_size for i in infos) > LIMITS.max_zip_uncompressed:
        raise Unreadable("the file expands to more than "
                         f"{LIMITS.max_zip_uncompressed // 1_000_000} MB, too much to check")
    if any(i.flag_bits & 0x1 for i in infos):
        raise Unreadable("the file is encrypted")
    return archive


class _Budget:
    def __init__(self) -> None:
        self.left = LIMITS.max_xml_bytes
        self.elements_left = LIMITS.max_xml_elements

    def read(self, archive: zipfile.ZipFile, name: str) -> bytes:
        # The declared size may lie: read at most what is left, plus one byte to notice.
        with archive.open(name) as part:
            raw = part.read(self.left + 1)
        if len(raw) > self.left:
            raise Unreadable(f"the file's text parts expand to more than {LIMITS.max_xml_bytes // 1_000_000} MB, "
                             "too much to check")
        self.left -= len(raw)
        # Every element starts with "<" (so do comments and processing instructions): counted
        # before parsing, because parsing millions of empty elements is the cost itself.
        self.elements_left -= raw.count(b"<")
        if self.elements_left < 0:
            raise Unreadable(f"the file has more than {LIMITS.max_xml_elements:,} XML elements, too many to check")
        return raw


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_text(raw: bytes, *, text_tags: set[str] | None, breaks: dict[str, str], blocks: set[str]) -> str:
    """Text of one XML part in document order. `text_tags`: only these elements' text counts
    (WordprocessingML); None: all mixed content, text and tails (ODF)."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.IGNORECASE):
        raise Unreadable("the file declares an XML DTD or entities, which documents never need")
    root = ElementTree.fromstring(raw)
    out: list[str] = []
    stack: list[tuple[ElementTree.Element, bool]] = [(root, False)]
    while stack:  # iterative: a deeply nested part cannot exhaust the Python stack
        el, closing = stack.pop()
        tag = _local(el.tag)
        if closing:
            if tag in blocks:
                out.append("\n")
            if text_tags is None and el.tail:
                out.append(el.tail)
            continue
        if tag in breaks:
            out.append(breaks[tag])
        if el.text and (text_tags is None or tag in text_tags):
            out.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return "".join(out)


def _xml_attributes(raw: bytes, names: set[str]) -> str:
    """The values of these attributes anywhere in one XML part, a line each."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.IGNORECASE):
        raise Unreadable("the file declares an XML DTD or entities, which documents never need")
    return "\n".join(v for el in ElementTree.fromstring(raw).iter()
                     for k, v in el.attrib.items() if v and _local(k) in names)


def _docx_part(archive: zipfile.ZipFile, budget: _Budget, name: str) -> str:
    raw = budget.read(archive, name)
    if name == _CORE_PROPERTIES:
        return _xml_text(raw, text_tags=None, breaks={}, blocks=_CORE_BLOCK)
    if name in _DOCX_PROPERTIES:
        return _xml_text(raw, text_tags=None, breaks={}, blocks=_DOCX_PROPERTY_BLOCK)
    if name.endswith(".rels"):
        return _xml_attributes(raw, {"Target"})
    return (_xml_text(raw, text_tags=_DOCX_TEXT, breaks=_DOCX_BREAK, blocks=_DOCX_BLOCK) + "\n"
            + _xml_attributes(raw, _DOCX_ATTRIBUTES))


def _docx_text(data: bytes) -> str:
    archive = _open_zip(data)
    names = [n for n in archive.namelist() if _DOCX_PART.match(n) and not _DOCX_SKIP.match(n)]
    if "word/document.xml" not in names:
        raise Unreadable("the file has no word/document.xml; it is not a Word document")
    budget = _Budget()
    return "\n".join(_docx_part(archive, budget, n) for n in names)


def _odt_text(data: bytes) -> str:
    archive = _open_zip(data)
    names = set(archive.namelist())
    if "content.xml" not in names:
        raise Unreadable("the file has no content.xml; it is not an OpenDocument text")
    budget = _Budget()
    return "\n".join(_xml_text(budget.read(archive, n), text_tags=None, breaks=_ODT_BREAK, blocks=_ODT_BLOCK)
                     for n in _ODT_PARTS if n in names)


# -- PDF -------------------------------------------------------------------------------------

def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # imported here: only PDFs need it

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # An owner password only (no password to open) still lets anyone read it: check it then.
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = 0
        if not opened:
            raise Unreadable("the file is encrypted")
    pages = reader.pages
    if len(pages) > LIMITS.max_pdf_pages:
        raise Unreadable(f"the file has more than {LIMITS.max_pdf_pages} pages, too many to check")
    out: list[str] = []
    size = page_text = tokens = 0
    for page in pages:
        # Counted before extracting (a split is C-fast; pypdf's parse of the same bytes is what
        # costs), so a page that shares a stream of 100,000 operators is refused at once.
        contents = page.get_contents()
        tokens += len(contents.get_data().split()) if contents is not None else 0
        if tokens > LIMITS.max_pdf_tokens:
            raise Unreadable(f"the file's pages hold more than {LIMITS.max_pdf_tokens:,} drawing operators and "
                             "operands, too many to check")
        texts = [page.extract_text() or ""]
        page_text += len(texts[0].strip())
        for annot in _resolved(page.get("/Annots")) or []:
            annot = _resolved(annot)
            texts.extend(_string(annot.get(key)) for key in ("/Contents", "/T", "/TU", "/V"))
            action = _resolved(annot.get("/A"))
            if action is not None:
                texts.append(_string(action.get("/URI")))
        out.extend(texts)
        size += sum(map(len, texts))
        if size > LIMITS.max_text_chars:
            raise _too_much()  # stop before extracting the rest
    if page_text == 0:
        raise Unreadable("the PDF has no text layer (a scan?), so its text cannot be checked")
    for value in (reader.get_fields() or {}).values():
        out.append(_string(value.get("/V")))
        out.append(_string(value.get("/TU")))
    out.extend(_outline_titles(reader.outline))
    for value in (reader.metadata or {}).values():
        out.append(_string(value))
    return "\n".join(s for s in out if s)


def _resolved(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _string(value) -> str:
    value = _resolved(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_string(v) for v in value)
    return ""


def _outline_titles(outline) -> list[str]:
    out: list[str] = []
    stack = [outline]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif hasattr(item, "title") and isinstance(item.title, str):
            out.append(item.title)
    return out
