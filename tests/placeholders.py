"""Finding what a person should never read: template and format placeholders left unfilled
(`%(days)s`, `%s`, `{name}`, `{{`, `}}`, `{%`), in pages, e-mails, CSV, XLSX and PDF files."""

import csv
import io
import json
import re
from html.parser import HTMLParser

from openpyxl import load_workbook
from pypdf import PdfReader

PLACEHOLDER = re.compile(
    r"%\(\w*\)?"  # %(days)s, %(
    r"|(?<![\w%])%[sd](?!\w)"  # %s, %d
    r"|\{\{|\}\}|\{%|%\}"  # Django template leftovers
    r"|\{\s*[A-Za-z_]\w*(?:\.\w+)*\s*\}"  # {name}, {goal.title}
    r"|\{\d*\}"  # {0}, {}
)
# What a person reads of a tag besides its text.
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-bs-title"}


def placeholders(text):
    """Every placeholder in `text`, each with a little of what surrounds it."""
    return [
        text[max(match.start() - 40, 0) : match.end() + 40].replace("\n", " ")
        for match in PLACEHOLDER.finditer(text)
    ]


class _Shown(HTMLParser):
    """The text a reader sees of a page: text nodes, shown attributes and the strings of the
    charts' data (json_script), not scripts nor styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.links = []
        self._skip = None
        self._json = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip = tag
            self._json = attributes.get("type") == "application/json"
        for name in SHOWN_ATTRIBUTES & attributes.keys():
            self.parts.append(attributes[name] or "")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == self._skip:
            self._skip = None
            self._json = False

    def handle_data(self, data):
        if self._skip is None:
            self.parts.append(data)
        elif self._json and data.strip():
            self.parts.extend(_strings(json.loads(data)))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def html_text(html):
    """(the text a reader sees, the links of the page)."""
    parser = _Shown()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts), parser.links


def csv_text(content):
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return "\n".join("\t".join(row) for row in rows)


def xlsx_text(content):
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        "\t".join(str(cell) for cell in row if cell is not None)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def response_text(response):
    """What a person reads of a response, by its kind: (text, links to follow)."""
    kind = response.get("Content-Type", "").split(";")[0]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "text/html":
        return html_text(content.decode())
    if kind == "text/csv":
        return csv_text(content), []
    if kind.endswith("spreadsheetml.sheet"):
        return xlsx_text(content), []
    if kind == "application/pdf":
        return pdf_text(content), []
    return content.decode(errors="replace"), []
