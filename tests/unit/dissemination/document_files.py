"""Small documents built byte by byte for the upload tests: Word (.docx), OpenDocument text
and a hand-written PDF (one Tj text operator per line, a correct xref table)."""
from __future__ import annotations

import io
import zipfile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def zip_of(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_docx(body: str, **parts: str) -> bytes:
    """A Word document: `body` is WordprocessingML inside <w:body>; parts by name (word/...)."""
    files = {"[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                    'package/2006/content-types"/>',
             "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}'
                                  "</w:body></w:document>"}
    files.update({name.replace("__", "/").replace("_xml", ".xml"): xml for name, xml in parts.items()})
    return zip_of(files)


def para(*runs: str) -> str:
    return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{r}</w:t></w:r>' for r in runs) + "</w:p>"


O = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
     'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
     'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')


def make_odt(text_xml: str, styles: str | None = None) -> bytes:
    files: dict[str, str | bytes] = {
        "mimetype": ODT,
        "content.xml": f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {O}><office:body>'
                       f"<office:text>{text_xml}</office:text></office:body></office:document-content>"}
    if styles is not None:
        files["styles.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {O}>'
                               f"<office:master-styles>{styles}</office:master-styles></office:document-styles>")
    return zip_of(files)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(*pages: str, info: str = "") -> bytes:
    """A minimal, valid PDF written by hand: one page per text (Helvetica, a Tj operator each
    line), a correct xref table; `info` is an /Info dictionary body."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for text in pages:
        lines = " ".join(f"({_pdf_string(line)}) Tj 0 -14 Td" for line in text.split("\n"))
        stream = f"BT /F1 12 Tf 72 720 Td {lines} ET".encode("latin-1")
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_ref = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_ref, content_ref + 2))
        kids.append(len(objs))
        objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    info_ref = b""
    if info:
        objs.append(f"<< {info} >>".encode("latin-1"))
        info_ref = b" /Info %d 0 R" % len(objs)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, info_ref, xref)
    return bytes(out)


def make_hostile_pdf(pages: int = 30, operators: int = 100_000) -> bytes:
    """A few KB that cost pypdf seconds: every page shares one Flate content stream of
    `operators` empty text objects (BT ET), then one line of real text, so the file would
    pass once read."""
    import zlib

    plain = b"BT ET\n" * operators + b"BT /F1 12 Tf 72 720 Td (Annual report) Tj ET"
    stream = zlib.compress(plain, 9)
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                         b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
                         b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                    b"/Resources << /Font << /F1 4 0 R >> >> >>")
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_hostile_docx(elements: int = 3_200_000) -> bytes:
    """Tens of KB on disk, millions of empty elements in word/document.xml (under the
    inflated-size limit), then one real paragraph."""
    body = "<w:r/>" * elements + para("Annual report")
    return make_docx(body)
