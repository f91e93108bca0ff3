"""A small reader of rendered pages for tests: find elements by id or class, read their text."""

from html.parser import HTMLParser

VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "base", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []

    @property
    def classes(self):
        return set((self.attrs.get("class") or "").split())

    def text(self):
        """The text inside, every run of spaces (no-break ones too) as one space: `norm()`."""
        parts = [child if isinstance(child, str) else child.text() for child in self.children]
        return norm(" ".join(parts))

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find(self, *, id=None, cls=None, tag=None, attr=None):
        for node in self.iter():
            if id is not None and node.attrs.get("id") != id:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if tag is not None and node.tag != tag:
                continue
            if attr is not None and node.attrs.get(attr[0]) != attr[1]:
                continue
            return node
        return None

    def find_all(self, *, cls=None, tag=None):
        return [
            node
            for node in self.iter()
            if (cls is None or cls in node.classes) and (tag is None or node.tag == tag)
        ]


def norm(text):
    """Spaces as a reader sees them: any run of spaces, no-break or narrow, as one space."""
    return " ".join(str(text).split())


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", [])
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.current.children.append(text)


def parse(content):
    builder = _Builder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    return builder.root


def row_of(page, href):
    """The table row that links to `href`."""
    for row in page.find_all(tag="tr"):
        if any(a.attrs.get("href") == href for a in row.find_all(tag="a")):
            return row
    raise AssertionError(f"no row links to {href}")
