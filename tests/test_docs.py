"""The README and docs/ link only to files and headings this repository has.

A link a clone cannot follow (a folder beside the repository, a renamed file,
a heading that was reworded) fails here. Links to the web (http, https,
mailto) are not checked; links inside code are not links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]

FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = ("http://", "https://", "mailto:")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return MARKDOWN_LINK.findall(body) + HTML_LINK.findall(body)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its words
    heading = heading.replace("`", "").strip().lower()
    heading = re.sub(r"[^\w\- ]", "", heading)
    return heading.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken(document: Path, root: Path = ROOT) -> list[str]:
    """Each link of ``document`` that leads nowhere in the repository ``root``, with why."""
    out = []
    for target in links(document.read_text(encoding="utf-8")):
        if target.lower().startswith(EXTERNAL):
            continue
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.split("?")[0])
        dest = (document.parent / path_part).resolve() if path_part else document
        if not dest.is_relative_to(root):
            out.append(f"{target}: outside the repository")
        elif not dest.exists():
            out.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and unquote(fragment).lower() not in anchors(dest):
            out.append(f"{target}: no heading #{fragment} in {dest.relative_to(root)}")
    return out


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_to_a_file_of_the_repository(document):
    assert broken(document) == []


def test_the_documents_exist():
    names = {str(p.relative_to(ROOT)) for p in documents()}
    assert {"README.md", "docs/README.md", "docs/architecture.md", "docs/sync-protocol.md",
            "docs/adding-a-feature.md"} <= names


def test_the_check_catches_each_kind_of_broken_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n\n## The wire, step 2\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md) [fine](other.md#the-wire-step-2) [fine](#page)\n"
        "[web](https://example.org/missing) [mail](mailto:someone@example.org)\n"
        "`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n"
        "- a list\n\n  ```sh\n  [in an indented block](missing.md)\n  ```\n"
        "[gone](missing.md) [beside](../../shared/DESIGN.md)\n"
        "[no heading](other.md#nothing) [here](#nowhere)\n"
        '<a href="also-missing.md">html</a>\n')
    assert broken(page, tmp_path) == [
        "missing.md: no such file",
        "../../shared/DESIGN.md: outside the repository",
        "other.md#nothing: no heading #nothing in docs/other.md",
        "#nowhere: no heading #nowhere in docs/page.md",
        "also-missing.md: no such file",
    ]
