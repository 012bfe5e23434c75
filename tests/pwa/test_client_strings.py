"""Every string a person sees in the app goes through t(): the check, and proof it can fail.

The views, widgets, status line, router and boot script build HTML as JavaScript
strings. Text between tags, and words in aria-label, placeholder, title or alt, must
come from ``${...}`` (a t() call), never be typed in place. Every key passed to t()
is in the English catalogue, and every catalogue key is used somewhere.

Every other catalogue (es.js, es-<part>.js) is its English file's twin: the same
keys, no empty text, no English left where a translation belongs, the same
placeholders, and for an entry with plural forms exactly the forms the language's
plural rules can pick. Each language's parts are loaded from literal
paths by catalogues.js (so the service worker keeps them), and the service worker's
own plain reminder speaks each language there is a catalogue for.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale

from tests.factories import CLIENT_CATALOGUES as I18N
from tests.factories import catalogue_entries as entries

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


# --- the other languages' catalogues: twins of the English files ----------------------

LANGUAGES = sorted({p.name.split(".")[0].split("-")[0] for p in I18N.glob("*.js")} - {"en"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Text that is rightly the same in both languages: names of things and places.
SAME_AS_ENGLISH = {
    "device.iphone", "device.ipad", "device.mac",
    "reminder_settings.region_Asia", "reminder_settings.region_Australia",
    "nav.plan",
}


def plural_forms(language: str) -> set[str]:
    """The forms Intl.PluralRules(language) picks from, as CLDR (through Babel) lists them.

    The browser test checks that Chromium's ICU agrees.
    """
    return set(Locale.parse(language).plural_form.tags) | {"other"}


def twin_problems(english: dict[str, str | dict[str, str]],
                  other: dict[str, str | dict[str, str]], forms: set[str],
                  same_allowed: set[str] = SAME_AS_ENGLISH) -> list[str]:
    """What makes ``other`` not a faithful twin of ``english``."""
    problems = [f"missing {k}" for k in english.keys() - other.keys()]
    problems += [f"not in English {k}" for k in other.keys() - english.keys()]
    for key in english.keys() & other.keys():
        en, tr = english[key], other[key]
        if isinstance(en, dict) != isinstance(tr, dict):
            problems.append(f"{key}: plural forms in one language only")
            continue
        en_texts = list(en.values()) if isinstance(en, dict) else [en]
        tr_texts = list(tr.values()) if isinstance(tr, dict) else [tr]
        if isinstance(en, dict) and isinstance(tr, dict):
            wanted = forms | ({"zero"} & en.keys())
            if set(tr) != wanted:
                problems.append(f"{key}: forms {sorted(tr)}, not {sorted(wanted)}")
        en_names = {n for text in en_texts for n in PLACEHOLDER.findall(text)}
        tr_names = {n for text in tr_texts for n in PLACEHOLDER.findall(text)}
        if en_names != tr_names:
            problems.append(f"{key}: placeholders {sorted(tr_names)}, not {sorted(en_names)}")
        for text in tr_texts:
            if not text.strip():
                problems.append(f"{key}: empty")
        words = [PLACEHOLDER.sub("", text) for text in tr_texts]
        if (key not in same_allowed and tr_texts == en_texts
                and any(re.search(r"[A-Za-z]{2}", w) for w in words)):
            problems.append(f"{key}: the same as in English")
    return sorted(problems)


def test_every_english_catalogue_file_has_its_twin_in_each_language():
    assert LANGUAGES, "no catalogue beside English"
    for language in LANGUAGES:
        twins = {p.name: p.name.replace("en", language, 1) for p in PARTS}
        on_disk = {p.name for p in I18N.glob(f"{language}*.js")}
        assert on_disk == set(twins.values()), language
        for english, twin in twins.items():
            assert twin_problems(entries(I18N / english), entries(I18N / twin),
                                 plural_forms(language)) == [], twin


def test_every_catalogue_line_is_read():
    for path in sorted(I18N.glob("*.js")):
        keys = re.findall(r"^\s*'([\w.]+)':", path.read_text(), re.MULTILINE)
        assert len(entries(path)) == len(keys) > 0, path.name


def test_each_language_is_loaded_part_by_part_from_literal_paths():
    """i18n.js knows each language; catalogues.js imports each part of each with a path
    the precache list finds; each part a script adds (addWords('<part>', ...)) has its
    English file, which that script imports."""
    known = re.search(r"const LANGUAGES = \[([^\]]*)\]", (JS / "i18n.js").read_text())
    assert known and re.findall(r"'(\w+)'", known.group(1)) == ["en", *LANGUAGES]
    source = (JS / "catalogues.js").read_text()
    for language in LANGUAGES:
        for path in sorted(I18N.glob(f"{language}*.js")):
            part = path.stem[len(language) + 1:]
            loader = (rf"""(['"]?){re.escape(part)}\1:\s*\(\)\s*=>\s*"""
                      rf"import\('\./i18n/{path.name}'\)")
            assert re.search(loader, source), path.name
    for view in all_js():
        for part in re.findall(r"\baddWords\(\s*'([\w-]+)'", view.read_text()):
            assert (I18N / f"en-{part}.js").is_file(), (view.name, part)
            english = rf"import \w+ from '\.\./i18n/en-{part}\.js'"
            assert re.search(english, view.read_text()), view.name


def test_the_service_worker_speaks_each_language():
    source = (ROOT / "service_worker" / "sw.js").read_text()
    block = source[source.index("const PUSH_FALLBACK"):]
    block = block[:block.index("};")]
    fallbacks = dict(re.findall(r"^\s*(\w+): \{ title: '[^']+', body: '([^']+)' \},$", block,
                                re.MULTILINE))
    assert set(fallbacks) == {"en", *LANGUAGES}
    assert len(set(fallbacks.values())) == len(fallbacks)  # none left in English


def test_the_twin_check_can_fail():
    english = {"a.b": "Hello {name}", "c.d": {"one": "1 day", "other": "{count} days"},
               "e.f": "Same", "g.h": "{role}",
               "i.j": {"zero": "None", "one": "One", "other": "{count}"}}
    good = {"a.b": "Hola {name}", "c.d": {"one": "1 día", "many": "{count} de días",
                                          "other": "{count} días"},
            "e.f": "Igual", "g.h": "{role}",
            "i.j": {"zero": "Ninguno", "one": "Uno", "many": "{count}", "other": "{count}"}}
    forms = {"one", "many", "other"}
    assert twin_problems(english, good, forms) == []
    assert twin_problems(english, {**good, "x.y": "Más"}, forms) == ["not in English x.y"]
    assert twin_problems(english, {k: v for k, v in good.items() if k != "e.f"}, forms) \
        == ["missing e.f"]
    assert twin_problems(english, {**good, "a.b": "Hola {nombre}"}, forms) \
        == ["a.b: placeholders ['nombre'], not ['name']"]
    assert twin_problems(english, {**good, "a.b": " "}, forms) \
        == ["a.b: empty", "a.b: placeholders [], not ['name']"]
    assert twin_problems(english, {**good, "e.f": "Same"}, forms) == ["e.f: the same as in English"]
    assert twin_problems(english, {**good, "e.f": "Same"}, forms, {"e.f"}) == []
    assert twin_problems(english, {**good, "c.d": {"one": "1 día", "other": "{count} días"}},
                         forms) == ["c.d: forms ['one', 'other'], not ['many', 'one', 'other']"]
    assert twin_problems(english, {**good, "i.j": {"one": "Uno", "many": "{count}",
                                                   "other": "{count}"}}, forms) \
        == ["i.j: forms ['many', 'one', 'other'], not ['many', 'one', 'other', 'zero']"]
    assert twin_problems(english, {**good, "c.d": "días"}, forms) \
        == ["c.d: plural forms in one language only"]
    assert plural_forms("es") == {"one", "many", "other"}
