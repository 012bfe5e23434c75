"""Every string a person sees goes through the one translation seam.

Walks the templates (with Jinja's own lexer), the page modules and the error
raisers (with Python's AST) and fails on text that bypasses gettext or N_; each
check is shown to fail on a bad snippet. Also runs the message extraction.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "pwa" / "templates"
TRANSLATED_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
# Strings in template expressions that start with a capital but are never shown.
NOT_SHOWN = {"BooleanField"}
HOLE = "\x00"  # stands for an expression's output, which the checks below judge apart
GETTEXT = {"_", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext"}
LETTER = re.compile(r"[^\W\d_]")

ENV = Environment(extensions=["jinja2.ext.i18n"])


def text_outside_trans(source: str) -> tuple[str, list[str]]:
    """The template's markup with every expression a hole and every trans block dropped,
    and the capitalised string literals its expressions hold outside _() / gettext()."""
    out: list[str] = []
    literals: list[str] = []
    in_trans = False
    previous: list[tuple[str, str]] = [("", "")]
    for _, kind, value in ENV.lex(source):
        if kind == "whitespace":
            continue
        if kind == "name" and previous[-1][0] == "block_begin" and value in {"trans", "endtrans"}:
            in_trans = value == "trans"
        if in_trans or kind.startswith("comment"):
            previous.append((kind, value))
            continue
        if kind == "data":
            out.append(value)
        elif kind == "variable_end":
            # Inside a tag and outside a quoted value, an expression writes attributes
            # (`<h3{{ lang_if_other() }}>`): it stands apart from the tag's name.
            tag = "".join(out).rpartition("<")[2]
            in_attributes = ">" not in tag and tag.count('"') % 2 == 0 and "<" in "".join(out)
            out.append(f" {HOLE}" if in_attributes else HOLE)
        elif kind == "string" and value[1:2].isupper() and value[1:-1] not in NOT_SHOWN:
            called = len(previous) >= 2 and previous[-1] == ("operator", "(") \
                and previous[-2][0] == "name" and previous[-2][1] in GETTEXT
            if not called:
                literals.append(value[1:-1])
        previous.append((kind, value))
    return "".join(out), literals


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if LETTER.search(data.replace(HOLE, "")):
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            shown = name in TRANSLATED_ATTRIBUTES or (
                tag == "meta" and name == "content" and named.get("name") == "description")
            if shown and value and LETTER.search(value.replace(HOLE, "")):
                self.found.append(f'{name}="{value}"')


def template_problems(source: str) -> list[str]:
    markup, literals = text_outside_trans(source)
    parser = _Visible()
    parser.feed(markup)
    parser.close()
    return parser.found + [f"literal {s!r}" for s in literals]


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_templates_show_no_text_outside_the_seam(path):
    assert template_problems(path.read_text()) == []


def test_the_template_check_catches_each_bypass():
    assert template_problems("<p>Hello</p>") == ["Hello"]
    assert template_problems("<h3{{ lang }}>Hello</h3>") == ["Hello"]
    assert template_problems("<h3{{ lang }}>{{ name }}</h3>") == []
    assert template_problems("<title>{% block t %}Home{% endblock %}</title>") == ["Home"]
    assert template_problems('<button aria-label="Remove {{ p.name }}">{{ _("Remove") }}'
                             "</button>") == [f'aria-label="Remove {HOLE}"']
    assert template_problems('<input placeholder="My phone"><img alt="Logo" src="x">') == [
        'placeholder="My phone"', 'alt="Logo"']
    assert template_problems('<meta name="description" content="Learning.">') == [
        'content="Learning."']
    assert template_problems("{{ f(x, 'Withdraw') }}") == ["literal 'Withdraw'"]
    assert template_problems("<p>{{ 'Accepted' if ok else _('Declined') }}</p>") == [
        "literal 'Accepted'"]
    # what passes: the seam, numbers and punctuation, empty alt, unshown attributes
    assert template_problems(
        '<p class="hint" id="x">{{ _("Hi %(n)s", n=name) }} · 3–5</p><img alt="">'
        "{% trans n=1 %}Level {{ n }}{% endtrans %}{{ f(x, _('Withdraw')) }}") == []


FLASHY = {"flash", "abort"}


def _bypasses(node: ast.AST | None) -> bool:
    """A message argument that is plain text: a literal, an f-string or a join of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(LETTER.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.IfExp):
        return _bypasses(node.body) or _bypasses(node.orelse)
    if isinstance(node, ast.BinOp):
        return _bypasses(node.left) or _bypasses(node.right)
    return False


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""


def page_problems(source: str) -> list[str]:
    """flash() and abort() messages, form labels and validator messages that skip gettext."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        shown: list[ast.AST] = []
        if name == "flash" and node.args:
            shown.append(node.args[0])
        elif name == "abort" and len(node.args) > 1:
            shown.append(node.args[1])
        elif name.endswith("Field") and node.args:
            shown.append(node.args[0])
        shown += [k.value for k in node.keywords
                  if k.arg in {"label", "message", "description", "success"}]
        found += [f"line {node.lineno}: {name}()" for arg in shown if _bypasses(arg)]
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "pwa" / "pages").glob("*.py")),
                         ids=lambda p: p.name)
def test_pages_flash_and_label_only_through_gettext(path):
    assert page_problems(path.read_text()) == []


def test_the_page_check_catches_each_bypass():
    bad = ('flash("Saved.")\nflash(f"Saved {x}.")\nabort(400, "No.")\n'
           'name = StringField("Full name")\nx = DataRequired(message="Choose one.")\n'
           'flash(gettext("A") if ok else "B")\nflash("Saved " + title)\n')
    assert page_problems(bad) == [f"line {n}: {f}()" for n, f in [
        (1, "flash"), (2, "flash"), (3, "abort"), (4, "StringField"), (5, "DataRequired"),
        (6, "flash"), (7, "flash")]]
    good = ('flash(gettext("Saved %(t)s.", t=t))\nabort(404)\n'
            'name = StringField(lazy_gettext("Full name"))\nflash(translate_error(exc), "error")\n'
            'flash(gettext("A") if ok else gettext("B"))\nflash(message)\n')
    assert page_problems(good) == []


# Errors a person may read, and the position of their message template (a listed
# problem's template is its last positional argument).
RAISERS = {"DomainError": 0, "InvalidInput": 0, "NotFound": 0, "Forbidden": 0, "Conflict": 0,
           "InviteUnusable": 1, "UnknownInvite": 1, "Refused": 1, "Refusal": 1, "ApiError": 2,
           "problem": -1, "signed_in": 0,
           "Note": 1, "add": 1}  # an import's note, as made or as gathered


def raise_problems(source: str) -> list[str]:
    """Messages given to an error (or a listed problem) that are not marked with N_."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        position = RAISERS.get(name)
        if position is None or len(node.args) <= max(position, 0):
            continue
        message = node.args[position]
        marked = isinstance(message, ast.Call) and _name(message.func) in {"N_", "N_plural"}
        if not marked and (_bypasses(message) or isinstance(message, ast.BinOp)):
            found.append(f"line {node.lineno}: {name}()")
    return found


RAISING = sorted([*(ROOT / "engine").rglob("*.py"), *(ROOT / "api").glob("*.py"),
                  *(ROOT / "pwa" / "store").glob("*.py"), *(ROOT / "pwa" / "sync").glob("*.py")])


@pytest.mark.parametrize("path", RAISING, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_errors_carry_marked_templates(path):
    assert raise_problems(path.read_text()) == []


def test_the_raise_check_catches_each_bypass():
    bad = ('raise InvalidInput("A name is needed.")\n'
           'raise NotFound(f"There is no role {slug}.")\n'
           'raise Refused("invalid_data", "data must be an object.")\n'
           'raise ApiError(400, "bad", "Nope " + why)\n'
           'problem("title", f"Card {i} has no text.")\n'
           'problem(index, f"level {n}", "Describe level one.")\n'
           'raise InviteUnusable("used", "Used.")\n'
           'notes.add(row.label, f"Its rule ({rule}) is not kept.")\n'
           'Note("framework", "Its description is not kept.")\n')
    assert raise_problems(bad) == [f"line {n}: {f}()" for n, f in [
        (1, "InvalidInput"), (2, "NotFound"), (3, "Refused"), (4, "ApiError"), (5, "problem"),
        (6, "problem"), (7, "InviteUnusable"), (8, "add"), (9, "Note")]]
    good = ('raise InvalidInput(N_("A name can be at most %(limit)s."), limit=120)\n'
            'raise Refused("invalid_data", N_("data must be an object."))\n'
            'raise Refused("invalid_feedback", exc.template, **exc.params)\n'
            'raise ValueError("engine times must be aware")\n'
            'problem(index, f"level {n}", N_("Describe level %(n)s."), n=n)\n'
            'notes.add(row.label, N_("Its rule (%(rule)s) is not kept."), rule=rule)\n'
            'notes.add(item, N_plural("%(count)s level", "%(count)s levels"), count=n)\n')
    assert raise_problems(good) == []


def extract(tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract",
                    "-F", "pwa/i18n/babel.cfg", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2",
                    "-k", "N_plural:1,2",
                    "-o", str(out), "engine", "api", "pwa"], cwd=ROOT, check=True)
    with out.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.id for m in read_po(f) if m.id}


def test_extraction_finds_every_kind_of_string_and_the_catalogue_is_current(tmp_path):
    found = extract(tmp_path)
    for msgid in ["A name can be at most %(limit)s characters.",  # engine, N_
                  "There is no item '%(key)s'.",  # store, N_
                  "This event id belongs to someone else's event.",  # sync, N_
                  "There is nothing at this address.",  # api, N_
                  "Full name",  # form label, lazy_gettext
                  "The invite for %(name)s no longer works.",  # flash, gettext
                  "Retire “%(title)s”?",  # template, _()
                  "Invite for %(name)s",  # template, {% trans %}
                  "Micro-lesson", "Something is missing"]:  # labels marked in engine
        assert msgid in found, msgid
    assert found["%(count)s item"] == ("%(count)s item", "%(count)s items")  # a plural
    with (ROOT / "pwa" / "i18n" / "translations" / "messages.pot").open("rb") as f:
        committed = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert committed == set(found), "run `make messages` and commit the catalogue"


def test_every_count_in_a_template_reads_as_one_or_many():
    """A sentence with a count is a plural in the catalogue (``{% pluralize %}``), so that
    each language says one and many its own way: never "1 not joined yet" as the only form."""
    trans = re.compile(r"{%-? *trans\b([^%]*)%}(.*?){%-? *endtrans *-?%}", re.S)
    missing = [f"{path.relative_to(ROOT)}: {body.strip()[:60]}"
               for path in sorted((ROOT / "pwa" / "templates").rglob("*.html"))
               for head, body in trans.findall(path.read_text(encoding="utf-8"))
               if re.search(r"\bcount\s*=", head) and "pluralize" not in body]
    assert missing == []
