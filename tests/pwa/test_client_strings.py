"""Every string a person sees in the app goes through t(): the check, and proof it can fail.

The views, widgets, status line, router and boot script build HTML as JavaScript
strings. Text between tags, and words in aria-label, placeholder, title or alt, must
come from ``${...}`` (a t() call), never be typed in place. Every key passed to t()
is in the English catalogue, and every catalogue key is used somewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
# The catalogue in parts: en.js for the shell, en-<part>.js loaded with the views that use it.
PARTS = sorted((JS / "i18n").glob("en*.js"))
HOLE = "\x00"  # where a ${...} stood
REGEX_BEFORE = set("(,=:[!&|?{};+") | {""}


def literals(source: str) -> list[tuple[str, str]]:
    """Each string and template literal as (text with ${...} as HOLE, code just before it)."""
    found: list[tuple[str, str]] = []
    i, n = 0, len(source)
    stack: list[tuple[list[str], int, int]] = []  # open templates: text, start, brace depth
    depth = 0
    while i < n:
        c = source[i]
        if stack and depth == stack[-1][2] and c == "}":
            i = _template(source, i + 1, stack, found)
            continue
        if c in "'\"":
            end = i + 1
            while source[end] != c:
                end += 2 if source[end] == "\\" else 1
            found.append((source[i + 1:end], source[max(0, i - 40):i]))
            i = end + 1
        elif c == "`":
            stack.append(([], i, depth))
            i = _template(source, i + 1, stack, found)
        elif source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c == "/" and source[:i].rstrip()[-1:] in REGEX_BEFORE:
            end = i + 1
            in_class = False
            while in_class or source[end] != "/":
                in_class = (source[end] == "[") or (in_class and source[end] != "]")
                end += 2 if source[end] == "\\" else 1
            i = end + 1
        else:
            depth += c == "{"
            depth -= c == "}"
            i += 1
    return found


def _template(source: str, i: int, stack: list[tuple[list[str], int, int]],
              found: list[tuple[str, str]]) -> int:
    """Read template text from ``i`` to its end or its next ``${``; returns where to go on."""
    text, start, _ = stack[-1]
    while source[i] != "`" and not source.startswith("${", i):
        text.append(source[i : i + 2] if source[i] == "\\" else source[i])
        i += 2 if source[i] == "\\" else 1
    if source[i] == "`":
        stack.pop()
        found.append(("".join(text), source[max(0, start - 40):start]))
        return i + 1
    text.append(HOLE)
    return i + 2  # code of the ${...} follows, at the template's brace depth


ATTRIBUTE = re.compile(r'\b(aria-label|placeholder|title|alt)="([^"]*)"')
SHOWN_BY = re.compile(r"(textContent|innerText|title|placeholder|ariaLabel)\s*=\s*$"
                      r"|\b(alert|confirm|prompt)\(\s*$")


def bypasses(source: str) -> list[str]:
    """Literals in ``source`` that show a person words typed in place, not from t()."""
    problems = []
    for text, before in literals(source):
        for name, value in ATTRIBUTE.findall(text):
            if re.search(r"[A-Za-z]", value.replace(HOLE, "")):
                problems.append(f'{name}="{value}"')
        if "<" in text and ">" in text:
            words = re.sub(r"<[^>]*>", " ", text).replace(HOLE, " ")
            words = re.sub(r"&[a-z]+;|&#\d+;", " ", words)
            if re.search(r"[A-Za-z]", words):
                problems.append(words.strip())
        elif SHOWN_BY.search(before) and re.search(r"[A-Za-z]", text.replace(HOLE, "")):
            problems.append(text)
    return problems


def catalogue_keys() -> set[str]:
    return {key for part in PARTS
            for key in re.findall(r"^\s*'([\w.]+)':", part.read_text(), re.MULTILINE)}


def keys_used(source: str) -> tuple[set[str], set[str]]:
    """Keys passed to t() in ``source``, and prefixes of keys built as `prefix.${...}`."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for call in re.finditer(r"\bt\(", source):
        i, level = call.end(), 0
        while level or source[i] not in ",)":
            level += source[i] in "([{"
            level -= source[i] in ")]}"
            i += 1
        argument = source[call.end():i]
        keys.update(re.findall(r"'(\w+(?:\.\w+)+)'", argument))  # keys are dotted
        prefixes.update(re.findall(r"`([\w.]+)\$\{", argument))
    return keys, prefixes


def checked_files() -> list[Path]:
    return [*sorted((JS / "views").rglob("*.js")), *sorted((JS / "ui").rglob("*.js")),
            JS / "status.js", JS / "app.js", JS / "router.js"]


def all_js() -> list[Path]:
    return [p for p in sorted(JS.rglob("*.js")) if p not in PARTS]


def test_views_and_widgets_show_no_words_typed_in_place():
    problems = {str(p.relative_to(ROOT)): bypasses(p.read_text()) for p in checked_files()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_key_is_in_the_catalogue_and_every_entry_is_used():
    catalogue = catalogue_keys()
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in all_js():
        keys, starts = keys_used(path.read_text())
        used |= keys
        prefixes |= starts
    assert used - catalogue == set()
    assert {p for p in prefixes if not any(k.startswith(p) for k in catalogue)} == set()
    unused = {k for k in catalogue - used if not any(k.startswith(p) for p in prefixes)}
    assert unused == set()


def test_the_check_can_fail():
    assert bypasses("const a = `<p>Hello there</p>`;") == ["Hello there"]
    assert bypasses("x.innerHTML = `<h1>${esc(name)}</h1> and more`;") == ["and more"]
    assert bypasses('const b = `<button aria-label="Close">${esc(t(\'x\'))}</button>`;') \
        == ['aria-label="Close"']
    assert bypasses("el.textContent = 'Saved';") == ["Saved"]
    assert bypasses("if (!window.confirm('Sure?')) return;") == ["Sure?"]
    assert bypasses("const c = `${cond ? `<b>${n}</b> left` : ''}`;") == ["left"]
    # Through the seam, or no words at all: nothing to report.
    assert bypasses("const d = `<p class=\"x\">${esc(t('a.b', { n }))}</p>`;") == []
    assert bypasses("s.replace(/[&<>\"']/g, (c) => E[c]); const e = '<td>—</td>';") == []
    assert bypasses("el.textContent = t('a.b');") == []
    keys, prefixes = keys_used("t(p === 'x' ? 'a.yes' : 'a.no', { n: f(1, 2) }); t(`kind.${k}`)")
    assert keys == {"a.yes", "a.no"} and prefixes == {"kind."}
