"""The one translation seam of the server: Flask-Babel, set up for the signed-in person.

Every string a person sees goes through ``gettext`` (and friends) and every
date through the person's locale and time zone. ``engine`` cannot import Babel,
so it raises errors that keep their message as a template (marked with
``engine.errors.N_``) and its parameters; :func:`translate_error` is the one
place that turns such an error into the words a person reads.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.numbers import NumberFormatError, get_currency_name, parse_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    format_time,
    get_locale,
    gettext,
    ngettext,
)
from markupsafe import Markup, escape

from engine import costs
from engine import profiles as profile_rules
from engine.errors import DomainError, Message

DEFAULT_LOCALE = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def stale_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """The catalogues (``.po``) whose compiled ``.mo`` is missing or older than they are."""
    found = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            found.append(po)
    return found


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each stale catalogue into its ``.mo``, as ``make translations`` does, and
    return those compiled. Each file is written aside and moved into place, so a reader
    never sees half of one."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = stale_catalogues(directory)
    for po in done:
        with po.open("rb") as f:
            catalogue = read_po(f, locale=po.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalogue)
        os.chmod(temporary, 0o644)
        os.replace(temporary, po.with_suffix(".mo"))
    return done


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selectors and add the two date filters to Jinja."""
    from pwa.extensions import babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "i18n/translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    for po in stale_catalogues():
        # Flask-Babel reads only .mo files: without one the language is not offered at all.
        app.logger.warning("%s is not compiled (or changed since): run `make translations`",
                           po.relative_to(TRANSLATIONS))
    # One Babel object serves every app made in this process (the tests make many); its
    # translation cache is keyed by locale alone, so each new app starts with its own.
    babel.__dict__.pop("domain_instance", None)
    # Whitespace in {% trans %} blocks is collapsed, as `make messages` extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["and_list"] = and_list
    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["lang_if_other"] = lang_if_other
    app.jinja_env.filters["role_name"] = role_name
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["role_description"] = role_description
    app.jinja_env.globals["currency_name"] = currency_name


def _parse(tag: str | None) -> Locale | None:
    """A Babel locale for a BCP 47 tag ("es-MX"), or None if Babel does not know it."""
    if not tag:
        return None
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def _person() -> Any:
    if not has_request_context():
        return None
    from pwa.session import current_person

    return current_person()


def select_locale() -> str:
    """The language a page speaks, with the region of the person who reads it.

    The language is the first of the person's locale, then the browser's, that
    has a catalogue, else English; the region comes from the person's own locale
    (else from the browser's) when that pair exists, so dates follow their habits without
    mixing languages ("24 November 2026" for es-ES while Spanish is not
    translated, never "24 de noviembre de 2026" inside an English sentence).
    """
    wanted: list[Locale] = []
    person = _person()
    own = _parse(person.locale) if person is not None else None
    if own is not None:
        wanted.append(own)
    if has_request_context():
        wanted += [loc for loc in (_parse(tag) for tag, _ in request.accept_languages)
                   if loc is not None]
    return _choose(own, wanted)


def locale_of(tag: str | None) -> str:
    """The locale to speak to a person whose own tag is ``tag`` ("es-MX") outside a
    request, as a push notification does: :func:`select_locale`'s choice with no browser
    to ask, in the form Babel takes ("es_MX"; ``force_locale("es-MX")`` raises)."""
    own = _parse(tag)
    return _choose(own, [own] if own is not None else [])


def _choose(own: Locale | None, wanted: list[Locale]) -> str:
    """The first wanted language that has a catalogue (else English), with the region of
    the person's own locale, else of the one spoken, else of the first wanted."""
    languages = _languages()
    spoken = next((loc for loc in wanted if loc.language in languages), None)
    language = spoken.language if spoken is not None else DEFAULT_LOCALE
    region = own or spoken or (wanted[0] if wanted else None)
    if region is not None and region.territory:
        regional = _parse(f"{language}_{region.territory}")
        if regional is not None:
            return str(regional)
    return language


def _languages() -> set[str]:
    """The languages that have a catalogue (English is the source language), read once."""
    from pwa.extensions import babel

    found = current_app.extensions.get("skillpath_languages")
    if found is None:
        found = {DEFAULT_LOCALE} | {loc.language for loc in babel.list_translations()}
        current_app.extensions["skillpath_languages"] = found
    return set(found)


def language_choices(current: str | None = None) -> dict[str, str]:
    """The languages a person can choose, by code, each named in itself ("Español"):
    those with a catalogue, and the language of ``current`` (their locale) if it has none,
    so that saving the page never drops a language the person chose."""
    codes = set(_languages())
    own = _parse(current)
    extra = own.language if own is not None and own.language not in codes else None
    names = {code: _native_name(code) for code in codes}
    if extra is not None:
        names[extra] = str(gettext("%(language)s (not translated yet)",
                                   language=_native_name(extra)))
    return dict(sorted(names.items(), key=lambda pair: pair[1].casefold()))


def language_name(code: str) -> str:
    """The language ``code`` named in the reader's language, as a sentence writes it
    ("Spanish", "español"); a heading capitalises it."""
    return Locale.parse(code).get_display_name(get_locale()) or code


def _native_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def with_language(current: str | None, language: str) -> str:
    """The locale tag for ``language`` keeping the region of ``current`` (else of the
    browser's first language that names one): "es" with "en-MX" gives "es-MX"."""
    tags = [current]
    if has_request_context():
        tags += [tag for tag, _ in request.accept_languages]
    region = next((r for r in map(_region, tags) if r is not None), None)
    return f"{language}-{region}" if region else language


def _region(tag: str | None) -> str | None:
    """The region subtag of a BCP 47 tag ("MX" of "en-MX", "419" of "es-419"), whether or
    not Babel knows the pair."""
    for part in (tag or "").replace("_", "-").split("-")[1:]:
        if (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            return part.upper()
    return None


def region_name(tag: str | None) -> str | None:
    """The region of a locale tag, named in the reader's language ("México"), or None."""
    region = _region(tag)
    if region is None:
        return None
    reader = get_locale() or Locale.parse(DEFAULT_LOCALE)
    return str(reader.territories.get(region, region))


def adopt_browser_language(locale: str) -> str:
    """The locale to keep for a person enrolling with this browser: their own if anyone
    chose one, else (the unchosen default, English) the browser's language when it has a
    catalogue, with the browser's region ("es-MX"). People invited one by one get no
    language from L&D; the phone they enrol with knows theirs."""
    if locale != DEFAULT_LOCALE or not has_request_context():
        return locale
    wanted = [loc for loc in (_parse(tag) for tag, _ in request.accept_languages)
              if loc is not None]
    chosen = _choose(None, wanted)
    return locale if chosen.startswith(DEFAULT_LOCALE) else chosen.replace("_", "-")


def select_time_zone() -> str | None:
    """The signed-in person's IANA time zone; Flask-Babel falls back to UTC."""
    person = _person()
    return person.time_zone if person is not None and person.time_zone else None


def html_lang() -> str:
    """The ``lang`` attribute of a page: the locale in use, as a BCP 47 tag."""
    return str(get_locale() or DEFAULT_LOCALE).replace("_", "-")


def lang_if_other(language: str | None = profile_rules.ORIGINAL_LANGUAGE) -> Markup:
    """`` lang="en"`` for an element whose words are in ``language`` (a profile's or an
    item's original, by default the authors' English) when the page speaks another, so a
    screen reader reads them in their own language; nothing when the page speaks it."""
    page = Locale.parse(str(get_locale() or DEFAULT_LOCALE)).language
    tag = (language or profile_rules.ORIGINAL_LANGUAGE).replace("_", "-")
    if tag.split("-")[0].lower() == page:
        return Markup("")
    return Markup(' lang="%s"') % tag


def _role_words(role: Any) -> Any:
    """The role's words in the page's language (``pwa.store.role_words``)."""
    from engine.profiles import reading_language
    from pwa.store import role_words

    return role_words.words(role, reading_language(html_lang()))


def role_name(role: Any) -> str:
    """A role's name in the page's language where its authors translated it, else the
    original's: as plain text, for a title or an attribute."""
    return str(_role_words(role).name)


def _marked(text: str, in_original: bool) -> Markup:
    """``text`` escaped; in a ``lang`` span of the original's language if it is in it."""
    from engine.profiles import ORIGINAL_LANGUAGE

    if in_original:
        return Markup('<span lang="{}">{}</span>').format(ORIGINAL_LANGUAGE, text)
    return escape(text)


def role_label(role: Any) -> Markup:
    """A role's name for a page's body: in the page's language where its authors translated
    it, else the original's in a span that says so (``lang="en"``)."""
    words = _role_words(role)
    return _marked(words.name, "name" in words.in_original)


def role_description(role: Any) -> Markup:
    """A role's short description for a page's body, as :func:`role_label` names it."""
    words = _role_words(role)
    return _marked(words.description, "description" in words.in_original)


def day(value: date | datetime | None, width: str = "medium") -> str:
    """A date in the person's locale (and, for a moment in time, their time zone)."""
    if value is None:
        return ""
    return str(format_date(value, width))


def moment(value: datetime | None) -> str:
    """A date and time in the person's zone, joined the way their locale joins them.

    Babel's medium date-time shows seconds; a medium date with a short time
    reads better, and the locale's own pattern keeps the order right.
    """
    if value is None:
        return ""
    locale = get_locale() or Locale.parse(DEFAULT_LOCALE)
    pattern = str(locale.datetime_formats["medium"])
    return pattern.replace("{1}", format_date(value, "medium")).replace(
        "{0}", format_time(value, "short"))


def and_list(names: list[str]) -> str:
    """Names joined as the locale joins a list ("A, B and C"), never with a hard-coded "and"."""
    return str(format_list(list(names), locale=get_locale() or DEFAULT_LOCALE))


def money(cents: int | None, currency: str) -> str:
    """Minor units of ``currency`` as the reader's locale writes money ("£1,200.50")."""
    if cents is None:
        return ""
    return str(format_currency(costs.amount(cents), currency))


def currency_name(code: str) -> str:
    """A currency's name in the reader's language ("British Pound")."""
    return str(get_currency_name(code, locale=get_locale() or DEFAULT_LOCALE))


# Longer than any amount a person types: the parse never builds a number of a million digits.
MAX_AMOUNT_TEXT = 32


def amount_text(cents: int) -> str:
    """Minor units as an amount to edit, in the reader's digits ("12.50", "12,50")."""
    return str(format_decimal(costs.amount(cents), format="0.00"))


def parse_amount(text: str) -> Decimal:
    """An amount typed as the reader's locale writes numbers, or ``ValueError``.

    Group separators must sit where the locale puts them ("1,200.50" in English,
    "1.200,50" in German), so a decimal comma is never read as a thousands one;
    exponents, NaN and infinities are not amounts anyone types.
    """
    if len(text) > MAX_AMOUNT_TEXT:
        raise ValueError(text)
    try:
        value = parse_decimal(text, locale=get_locale() or DEFAULT_LOCALE, strict=True)
    except NumberFormatError as exc:
        raise ValueError(text) from exc
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent > 0:
        raise ValueError(text)
    return value


def translate(message: Message) -> str:
    """A message template from ``engine`` (or the store) in the person's language.

    A message with a ``plural`` template too (an ``N_plural`` pair, such as an import's
    note) takes the form its ``count`` needs in that language.
    """
    plural = getattr(message, "plural", "")
    if plural:
        return str(ngettext(message.template, plural, message.params["count"],
                            **message.params))
    return str(gettext(message.template, **message.params))


def translate_error(exc: DomainError) -> str:
    """What a page shows for a domain error: its message, translated."""
    return translate(exc)


def translate_problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems listed in an error's details, each message translated.

    The engine keeps ``template`` and ``params`` beside the English
    ``message``; what leaves the server keeps the field and the translated
    message only.
    """
    out = []
    for p in problems:
        entry = {k: v for k, v in p.items() if k not in {"template", "params"}}
        if "template" in p:
            entry["message"] = gettext(p["template"], **p.get("params", {}))
        out.append(entry)
    return out


def translated_details(details: dict[str, Any]) -> dict[str, Any]:
    """An error's details with any listed problems translated."""
    if isinstance(details.get("problems"), list):
        return {**details, "problems": translate_problems(details["problems"])}
    return details
