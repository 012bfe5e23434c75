"""People from an HR system's CSV file: what a file says, and what applying it would do.

An HR system exports one row per person: ``name``, ``role``, ``site``,
``external_id``, and optionally ``future_role`` and ``language``. The header row
names the columns (any order, any case; a comma, semicolon or tab between
them); columns it has besides these are listed, not read. :func:`parse` reads
the text into rows and, for each line it cannot use, an error with its line
number and column; :func:`plan` compares the rows with the people the
organisation has and decides, for each row, create, change (which fields) or
leave alone, and who has left.

The rules that decide what a file may do:

* A person is known by their external id alone. People without one (made by
  an invite or the demo) are never touched, never leavers.
* Name, role and site are the HR system's and follow the file. Future role and
  language are read for new people only: afterwards they are the person's own
  choice, made on their account page, and a later file does not undo it. A
  person moved onto the role that was their future role has reached it: the
  future role is cleared.
* An external id on two or more lines is an error on every one of those lines,
  and the person with that id is left as they are (neither line is trusted
  over the other, and neither makes them a leaver).
* A bad line is reported and skipped; it stops nothing else. It still
  protects its person: anyone whose external id appears on any line, good or
  bad, is not a leaver. A line whose external id cannot be read could be
  anyone's, so while a file has one, nobody is ended as a leaver (the plan
  says so): ending an account deletes its data for good.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import N_, InvalidInput, render
from engine.people import MAX_NAME_LENGTH

REQUIRED = ("name", "role", "site", "external_id")
OPTIONAL = ("future_role", "language")
COLUMNS = REQUIRED + OPTIONAL
MAX_SITE = 80
MAX_EXTERNAL_ID = 64
MAX_ROLE = 120  # a role's slug or its name
MAX_LANGUAGE = 16  # what a person's locale holds
MAX_ROWS = 200_000
_LIMITS = {"name": MAX_NAME_LENGTH, "role": MAX_ROLE, "site": MAX_SITE,
           "external_id": MAX_EXTERNAL_ID, "future_role": MAX_ROLE, "language": MAX_LANGUAGE}
# Characters that change how text around them is shown (bidirectional overrides and
# isolates): a name holding one can pass for another name.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class LineError:
    """Why one line (1 is the header) was not used; ``column`` is None for the whole line."""

    line: int
    column: str | None
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English text, for logs and the command line."""
        return render(self.template, self.params)


@dataclass(frozen=True)
class Row:
    """One usable line of the file, its values trimmed; empty optional cells are None."""

    line: int
    external_id: str
    name: str
    role: str
    site: str
    future_role: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Parsed:
    """What a file says: its usable rows, its errors, and every external id it names.

    ``mentioned`` holds the external id of every line, bad ones included;
    ``unreadable_ids`` counts the lines whose external id could not be read.
    """

    rows: tuple[Row, ...]
    errors: tuple[LineError, ...]
    mentioned: frozenset[str]
    unreadable_ids: int = 0
    ignored_columns: tuple[str, ...] = ()
    lines: int = 0  # data lines read, the header not counted


@dataclass(frozen=True)
class RoleRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class ExistingPerson:
    """A person of the organisation who came from a roster (has an external id)."""

    id: int
    external_id: str
    name: str
    role_id: int
    site: str | None
    future_role_id: int | None = None
    has_account: bool = False  # has a passkey: enrolled
    has_usable_invite: bool = False  # an invite not used, withdrawn or expired


@dataclass(frozen=True)
class NewPerson:
    line: int
    external_id: str
    name: str
    role_id: int
    site: str
    future_role_id: int | None
    locale: str


@dataclass(frozen=True)
class Change:
    """An existing person whose ``fields`` (of name, role, site, future_role) change."""

    line: int
    person_id: int
    external_id: str
    fields: tuple[str, ...]
    name: str
    role_id: int
    site: str
    future_role_id: int | None


@dataclass(frozen=True)
class Plan:
    """What applying a file would do, decided before anything is written.

    ``invite`` lists the existing people (created ones always get one) who have
    no account and no invite they could still use.
    """

    create: tuple[NewPerson, ...]
    change: tuple[Change, ...]
    unchanged: tuple[int, ...]
    leavers: tuple[ExistingPerson, ...]
    invite: tuple[int, ...]
    errors: tuple[LineError, ...]
    leavers_held_back: int = 0  # people not in the file, kept because a line's id was unreadable

    def digest(self) -> str:
        """A fingerprint of every decision: equal digests, equal outcomes.

        A preview shows one plan and a confirmation applies another only if
        their digests differ; the page refuses that.
        """
        parts: list[str] = []
        for p in self.create:
            parts.append(f"+{p.external_id!r}|{p.name!r}|{p.role_id}|{p.site!r}|"
                         f"{p.future_role_id}|{p.locale}")
        for c in self.change:
            parts.append(f"~{c.person_id}|{c.fields}|{c.name!r}|{c.role_id}|{c.site!r}|"
                         f"{c.future_role_id}")
        parts.append("=" + ",".join(map(str, self.unchanged)))
        parts.append("-" + ",".join(str(p.id) for p in self.leavers))
        parts.append("i" + ",".join(map(str, self.invite)))
        parts.append(f"h{self.leavers_held_back}")
        parts.extend(f"!{e.line}|{e.column}|{e.message!r}" for e in self.errors)
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8, with or without a byte order mark.

    Anything else is refused, naming the line of the first byte that is not
    UTF-8: guessing an encoding would turn "Zoë" into "ZoÃ«" on every invite card.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidInput(N_("Line %(line)s is not UTF-8 text. Save the file as "
                              "\"CSV UTF-8\" and try again."), {"line": line}, line=line) from exc


def parse(text: str, known_languages: frozenset[str] | None = None) -> Parsed:
    """Read a roster file; every line it cannot use becomes a :class:`LineError`.

    ``known_languages`` are the primary language subtags to accept (``en``,
    ``es``); None accepts any tag of the right shape.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return Parsed((), (LineError(1, None, N_("The file is empty.")),), frozenset())
    delimiter = _delimiter(text.partition("\n")[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [_header_name(h) for h in next(reader)]
    problem = _header_problem(header)
    if problem is not None:
        return Parsed((), (problem,), frozenset())
    where = {name: header.index(name) for name in COLUMNS if name in header}
    ignored = tuple(h for h in header if h not in COLUMNS and h)
    rows: list[Row] = []
    errors: list[LineError] = []
    ids: dict[str, list[int]] = {}
    unreadable = 0
    count = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit, say
            errors.append(LineError(line, None, N_("This line cannot be read: %(reason)s."),
                                    {"reason": str(exc)}))
            continue
        if not any(c.strip() for c in cells):
            continue  # a blank line
        count += 1
        if count > MAX_ROWS:
            errors.append(LineError(line, None, N_(
                "A file can hold at most %(limit)s people; this line and those after it "
                "were not read."), {"limit": MAX_ROWS}))
            unreadable += 1
            break
        row, problems, external_id = _row(line, cells, where, known_languages)
        if external_id is None:
            unreadable += 1
        else:
            ids.setdefault(external_id, []).append(line)
        errors.extend(problems)
        if row is not None:
            rows.append(row)
    duplicated = {i: found for i, found in ids.items() if len(found) > 1}
    if duplicated:
        for external_id, found in duplicated.items():
            for line in found:
                others = ", ".join(str(n) for n in found if n != line)
                errors.append(LineError(line, "external_id", N_(
                    "The external id '%(id)s' is also on line %(lines)s: none of these lines "
                    "is used."), {"id": external_id, "lines": others}))
        rows = [r for r in rows if r.external_id not in duplicated]
    errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return Parsed(tuple(rows), tuple(errors), frozenset(ids), unreadable, ignored, count)


def plan(parsed: Parsed, existing: Iterable[ExistingPerson], roles: Sequence[RoleRef], *,
         default_locale: str = "en", never_leave: frozenset[int] = frozenset()) -> Plan:
    """Decide what applying ``parsed`` to the organisation's roster people would do.

    ``existing`` are the organisation's people with an external id;
    ``never_leave`` the ids of people who must not be ended by this file (the
    person applying it: ending their own account would sign them out mid-import).
    """
    by_key = _role_lookup(roles)
    by_id = {p.external_id: p for p in existing}
    errors = list(parsed.errors)
    create: list[NewPerson] = []
    change: list[Change] = []
    unchanged: list[int] = []
    invite: list[int] = []
    for row in parsed.rows:
        role = by_key.get(row.role.casefold())
        future = by_key.get(row.future_role.casefold()) if row.future_role else None
        bad = False
        if role is None:
            errors.append(LineError(row.line, "role", N_("There is no role '%(role)s'."),
                                    {"role": row.role}))
            bad = True
        if row.future_role and future is None:
            errors.append(LineError(row.line, "future_role", N_("There is no role '%(role)s'."),
                                    {"role": row.future_role}))
            bad = True
        elif future is not None and role is not None and future.id == role.id:
            errors.append(LineError(row.line, "future_role", N_(
                "The future role is the role itself; leave it empty or name another role.")))
            bad = True
        if bad or role is None:
            continue
        known = by_id.get(row.external_id)
        if known is None:
            create.append(NewPerson(row.line, row.external_id, row.name, role.id, row.site,
                                    future.id if future else None,
                                    row.language or default_locale))
            continue
        future_role_id = None if known.future_role_id == role.id else known.future_role_id
        fields = tuple(name for name, differs in (
            ("name", known.name != row.name), ("role", known.role_id != role.id),
            ("site", known.site != row.site),
            ("future_role", future_role_id != known.future_role_id)) if differs)
        if fields:
            change.append(Change(row.line, known.id, known.external_id, fields, row.name,
                                 role.id, row.site, future_role_id))
        else:
            unchanged.append(known.id)
        if not known.has_account and not known.has_usable_invite:
            invite.append(known.id)
    errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    gone = sorted((p for p in by_id.values()
                   if p.external_id not in parsed.mentioned and p.id not in never_leave),
                  key=lambda p: (p.name, p.id))
    held_back = len(gone) if parsed.unreadable_ids else 0
    return Plan(tuple(create), tuple(change), tuple(unchanged), () if held_back else tuple(gone),
                tuple(invite), tuple(errors), held_back)


def _delimiter(header: str) -> str:
    """The separator the header uses most: Excel writes ';' where ',' is the decimal sign."""
    return max(_DELIMITERS, key=lambda d: (header.count(d), d == ","))


def _header_name(cell: str) -> str:
    return "_".join(cell.strip().casefold().replace("-", " ").split())


def _header_problem(header: list[str]) -> LineError | None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return LineError(1, None, N_(
            "The first line must name the columns; %(missing)s is missing. The columns are "
            "name, role, site, external_id, and optionally future_role and language."),
            {"missing": ", ".join(missing)})
    twice = sorted(c for c, n in Counter(h for h in header if h).items() if n > 1)
    if twice:
        return LineError(1, None, N_("The column %(column)s is named twice."),
                         {"column": ", ".join(twice)})
    return None


def _row(line: int, cells: list[str], where: dict[str, int],
         known_languages: frozenset[str] | None
         ) -> tuple[Row | None, list[LineError], str | None]:
    """One data line: the row (None if unusable), its errors, its external id if readable."""
    errors: list[LineError] = []
    values: dict[str, str | None] = {}
    for column, index in where.items():
        raw = cells[index] if index < len(cells) else ""
        value, problem = _value(column, raw)
        if problem is not None:
            errors.append(LineError(line, column, *problem))
        values[column] = value
    language = values.get("language")
    if language:
        try:
            values["language"] = _language(language, known_languages)
        except ValueError:
            errors.append(LineError(line, "language", N_(
                "'%(tag)s' is not a language tag such as en, es-MX or pt-BR."),
                {"tag": language}))
    external_id = values["external_id"]
    if errors:
        return None, errors, external_id
    assert external_id is not None  # required: checked by _value
    return Row(line, external_id, values["name"] or "", values["role"] or "",
               values["site"] or "", values.get("future_role"), values.get("language")
               ), errors, external_id


def _value(column: str, raw: str) -> tuple[str | None, tuple[str, dict[str, Any]] | None]:
    """A cell trimmed (spaces inside a name or site collapsed), or why it cannot be used."""
    value = raw.strip()
    odd = next((ch for ch in value if _odd(ch)), None)
    if odd is not None:
        return None, (N_("This cell holds a character that cannot be shown (U+%(code)s)."),
                      {"code": f"{ord(odd):04X}"})
    if column in ("name", "site"):
        value = " ".join(value.split())
    if not value:
        if column in REQUIRED:
            return None, (N_("This cell is empty, and it is needed."), {})
        return None, None
    if len(value) > _LIMITS[column]:
        return None, (N_("This cell can hold at most %(limit)s characters."),
                      {"limit": _LIMITS[column]})
    return value, None


def _odd(ch: str) -> bool:
    """Control, unassigned, private-use or surrogate code points, and direction overrides."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch in _BIDI or ch == "\ufeff"


def _language(value: str, known: frozenset[str] | None) -> str:
    """``es-mx`` -> ``es-MX``: a language, maybe a script (Latn), maybe a region (MX, 419)."""
    parts = value.replace("_", "-").split("-")
    first, rest = parts[0], parts[1:]
    if not (2 <= len(first) <= 3 and first.isascii() and first.isalpha()) or len(rest) > 2:
        raise ValueError(value)
    out = [first.lower()]
    for part in rest:
        if len(part) == 4 and part.isascii() and part.isalpha() and len(out) == 1:
            out.append(part.title())
        elif (len(part) == 2 and part.isascii() and part.isalpha()) or \
                (len(part) == 3 and part.isascii() and part.isdigit()):
            out.append(part.upper())
        else:
            raise ValueError(value)
    if known is not None and out[0] not in known:
        raise ValueError(value)
    return "-".join(out)


def _role_lookup(roles: Sequence[RoleRef]) -> dict[str, RoleRef]:
    """A role by its slug or its name, in any case: HR exports say "Store associate"."""
    found: dict[str, RoleRef] = {}
    for role in roles:
        found.setdefault(role.name.casefold(), role)
    for role in roles:
        found[role.slug.casefold()] = role  # a slug wins over another role's name
    return found
