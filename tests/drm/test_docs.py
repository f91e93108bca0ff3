"""The docs stay true: settings, make targets, manage.py commands, API paths and links all exist."""

import re
from pathlib import Path

from django.core.management import get_commands
from django.urls import Resolver404, resolve

from tests.drm.test_settings import SETTINGS_FILES, variables_read_by

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OPERATOR_GUIDE = ROOT / "docs" / "operator-guide.md"
API_GUIDE = ROOT / "docs" / "api.md"
# Linked before they exist: the lead adds the screenshot. Remove a name once its file is committed.
PENDING_FILES: set[str] = set()  # files a doc links to before they are committed
SAMPLE_VALUES = {"code": "acme", "id": "1", "number": "1", "kind": "revenue"}


def doc_name(path):
    return path.relative_to(ROOT).as_posix()


def code_in(path):
    """The text a reader would type: fenced blocks and `inline code` spans of a Markdown file."""
    text = path.read_text()
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def section(path, heading):
    """The lines under a `## heading` up to the next heading of the same level."""
    text = path.read_text()
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"{doc_name(path)} has no '## {heading}' section"
    return match.group(1)


def first_cells(table_text):
    return [row.split("|")[1] for row in table_text.splitlines() if row.startswith("| `")]


def settings_in_table():
    return {
        name
        for cell in first_cells(section(OPERATOR_GUIDE, "Settings"))
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)
    }


def test_every_setting_in_the_operator_guide_is_read_and_in_env_example():
    read = set().union(*(variables_read_by(path) for path in SETTINGS_FILES))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M))
    documented = settings_in_table()

    assert documented, "found no settings table in docs/operator-guide.md"
    assert documented - read == set(), (
        "the operator guide's settings table names these, no settings read them"
    )
    assert documented - listed == set(), (
        "the operator guide's settings table names these, .env.example lacks them"
    )
    assert read - documented == set(), (
        "the settings read these; add them to the operator guide's settings table"
    )


def make_targets():
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", makefile, re.M))


def test_every_make_target_in_the_docs_exists():
    targets = make_targets()
    missing = {
        f"{doc_name(path)}: make {target}"
        for path in DOCS
        for code in code_in(path)
        for target in re.findall(r"(?<![\w-])make\s+([a-z][\w-]*)(?!\w*=)", code)
        if target not in targets
    }
    assert missing == set(), "these make targets are not in the Makefile"


def test_every_manage_py_command_in_the_docs_exists():
    commands = set(get_commands())
    missing = {
        f"{doc_name(path)}: manage.py {command}"
        for path in DOCS
        for code in code_in(path)
        for command in re.findall(r"manage\.py\s+([a-z][\w-]*)", code)
        if command not in commands
    }
    assert missing == set(), "these manage.py commands do not exist"


def with_samples(path):
    return re.sub(r"<(\w+)>", lambda m: SAMPLE_VALUES.get(m.group(1), "1"), path)


def resolves(path):
    """Served by a URL whose parameters are exactly the placeholders: `leads/bulks/` must not pass
    because `leads/<id>/` would take "bulks" for an id."""
    try:
        match = resolve(with_samples(path))
    except Resolver404:
        return False
    placeholders = re.findall(r"<(\w+)>", path)
    captured = [str(value) for value in [*match.args, *match.kwargs.values()]]
    return sorted(captured) == sorted(SAMPLE_VALUES.get(name, "1") for name in placeholders)


def candidates(first, other):
    """What a later path of an endpoint cell stands for: `route/` is a sibling of the cell's first
    path, `…/accept/` or `…/<id>/rate/` continues one of its prefixes, anything else is whole."""
    stem = first.rstrip("/").split("/")
    if other.startswith("…/"):
        rest = other.removeprefix("…/")
        return ["/".join(stem[:end]) + "/" + rest for end in range(len(stem), 0, -1)]
    if other.count("/") == 1 and other.endswith("/"):
        return ["/".join(stem[:-1] + [other])]
    return [other]


def api_paths():
    """Every /api/v1/ path written out in docs/api.md, and every path of its endpoint tables."""
    text = API_GUIDE.read_text()
    paths = {path.split("?")[0] for path in re.findall(r"/api/v1/[\w<>/.-]*", text)}
    for cell in first_cells(text):
        first, *others = re.findall(r"`([^`]+)`", cell)
        paths.add("/api/v1/" + first)
        for other in others:
            options = ["/api/v1/" + option for option in candidates(first, other)]
            paths.add(next((option for option in options if resolves(option)), options[0]))
    return paths


def test_every_api_path_in_the_api_guide_resolves():
    paths = api_paths()
    assert len(paths) > 30, (
        "found too few endpoint paths in docs/api.md: did its tables change shape?"
    )
    assert {path for path in paths if not resolves(path)} == set(), (
        "docs/api.md names these paths, no URL serves them"
    )


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)
    seen, result = {}, set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def test_every_relative_link_in_the_docs_points_to_something():
    missing = set()
    for path in DOCS:
        text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            name = (
                linked.relative_to(ROOT).as_posix() if linked.is_relative_to(ROOT) else str(linked)
            )
            if not linked.exists():
                if name not in PENDING_FILES:
                    missing.add(f"{doc_name(path)}: {target} (no file {name})")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                missing.add(f"{doc_name(path)}: {target} (no heading #{anchor} in {name})")
    assert missing == set(), "these links point to nothing"


def test_files_linked_before_they_exist_are_still_missing():
    assert {name for name in PENDING_FILES if (ROOT / name).exists()} == set(), (
        "these files exist now: remove them from PENDING_FILES so their links are checked"
    )
