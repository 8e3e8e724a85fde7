"""A page's table of figures, and the same table as a download: CSV (UTF-8 with a byte-order
mark, so spreadsheet programs read Welsh letters right) and ODS, the OpenDocument spreadsheet
Welsh Government publishes statistics in (written with odfpy). Numbers stay numbers in ODS;
None is an empty cell. Pure: a Table in, bytes out."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

CSV_TYPE = "text/csv; charset=utf-8"
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """`name` is the download's file name stem (and the table's id on the page); the first
    column of each row is its header cell (`<th scope="row">`)."""
    name: str
    caption: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    # Per row, a link for its first cell (e.g. a review's timeline page); optional.
    links: list[str | None] = field(default_factory=list)


def _text(value) -> str:
    """A cell as CSV text; a string a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_ods(table: Table) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table as OdsTable
    from odf.table import TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = OdsTable(name=table.name[:31])

    def cell(value) -> TableCell:
        if value is None:
            return TableCell()
        if isinstance(value, bool):
            c = TableCell(valuetype="boolean", booleanvalue="true" if value else "false")
        elif isinstance(value, int | float):
            c = TableCell(valuetype="float", value=value)
        else:
            c = TableCell(valuetype="string")
        c.addElement(P(text=str(value)))
        return c

    for values in [table.columns, *table.rows]:
        tr = TableRow()
        for v in values:
            tr.addElement(cell(v))
        sheet.addElement(tr)
    doc.spreadsheet.addElement(sheet)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()
