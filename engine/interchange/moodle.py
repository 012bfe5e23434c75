"""A Success Profile as the CSV of Moodle's competency framework import (``tool_lpimportcsv``).

Moodle reads and writes 14 columns by position, after a header row whose names are in the
site's language: parent id number, id number, short name, description, description
format, scale values, scale configuration, rule type, rule outcome, rule config,
cross-referenced id numbers, exported id, is framework, taxonomy. One row (``is
framework`` set) is the framework; every other row is a competency under the competency
whose id number is its parent id number, or under the framework when that is empty.

How a profile maps (see docs/interchange.md):

- The framework is the profile: its short name is the role, its id number the profile's
  identifier and version number, its description the version's summary.
- Each group is a competency at the top of the framework (id number ``group:<slug>``);
  the profile's competencies sit under their group with their key as id number.
- Moodle rates on a scale; every competency uses the scale ``1,2,3,4,5`` (Moodle finds a
  site scale with those values or makes one). Its scale configuration marks the target
  and every level above it *proficient* and makes the target the default, so the target
  comes back as the lowest proficient value.
- Moodle has nowhere for level descriptors or importance, so they go in the description
  (HTML, the format Moodle edits in): the description's paragraph, an ordered list
  ``<ol class="skillpath-levels">`` of the five descriptors, and a paragraph
  ``<p class="skillpath-importance">Importance: 4 of 5</p>``. They survive a trip
  through Moodle, which keeps descriptions as written.

Reading any framework: competencies without competencies under them become the profile's
competencies, in the file's order, in the group of their top-level ancestor. What does
not map (rules, cross-references, taxonomies, the text of a competency read as a group,
a deeper hierarchy flattened, descriptors or a target the file does not give) is a
:class:`Note`. The file is parsed as PHP's ``fgetcsv`` does, which Moodle uses: a
backslash keeps the character after it, so ``\\"`` inside quotes is text, not a quote.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from engine.errors import N_, InvalidInput, N_plural
from engine.interchange import (
    FILE,
    FRAMEWORK,
    ID_NUMBERS,
    UNSET,
    Note,
    Place,
    Reading,
    Unreadable,
    Written,
    place,
)
from engine.interchange import line as line_at
from engine.profiles import LEVELS, MAX_COMPETENCIES, Competency, by_group, make_key
from engine.roster import decode

COLUMNS = ("parentidnumber", "idnumber", "shortname", "description", "descriptionformat",
           "scalevalues", "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig",
           "relatedidnumbers", "exportid", "isframework", "taxonomy")
# The header Moodle writes: its English language strings, in the columns' order.
HEADER = ("Parent ID number", "ID number", "Short name", "Description", "Description format",
          "Scale values", "Scale configuration", "Rule type (optional)",
          "Rule outcome (optional)", "Rule config (optional)",
          "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework",
          "Taxonomy")
SCALE = ",".join(str(level) for level in range(1, LEVELS + 1))
FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN = 0, 1, 2, 4
DEFAULT_TARGET = 3  # the framework's own scale configuration (a framework has no target)
GROUP_PREFIX = "group:"  # not a character of a key, so a group never meets a competency
MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000
_DELIMITERS = (",", ";", "\t", ":")  # what Moodle's import form offers
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_IMPORTANCE = re.compile(r"^Importance:\s*([1-5])\s*of\s*5$")
# Characters that cannot be shown or that change how the text around them is shown:
# controls (not tab or line end), direction overrides and isolates, private use.
_UNSHOWN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      r"\ufeff\ue000-\uf8ff\U000f0000-\U0010ffff]")


# --- writing -----------------------------------------------------------------------------

def write(profile: Written) -> bytes:
    """The profile as Moodle's exporter would write it: PHP's ``fputcsv``, LF line ends."""
    rows: list[Sequence[str | int | bool]] = [HEADER, (
        "", f"{profile.identifier}-v{profile.number}", profile.role,
        _html_paragraphs(profile.summary), FORMAT_HTML, SCALE, _scale_configuration(
            DEFAULT_TARGET), "", "", "", "", "", True, "")]
    taken: list[str] = []
    for group, competencies in by_group(profile.competencies):
        group_id = GROUP_PREFIX + make_key(group, taken)
        taken.append(group_id.removeprefix(GROUP_PREFIX))
        rows.append((  # Moodle's exporter writes a rule config it lacks as the word null
            "", group_id, group, "", FORMAT_HTML, "", "", "", 0, "null", "", "", False, ""))
        rows.extend((
            group_id, comp.key, comp.name, _competency_html(comp), FORMAT_HTML, SCALE,
            _scale_configuration(comp.target), "", 0, "null", "", "", False, ""
        ) for comp in competencies)
    return "".join(_csv_line(row) for row in rows).encode("utf-8")


def _csv_line(row: Sequence[str | int | bool]) -> str:
    return ",".join(_csv_field(_php_string(value)) for value in row) + "\n"


def _php_string(value: str | int | bool) -> str:
    if isinstance(value, bool):  # PHP writes true as 1 and false as nothing
        return "1" if value else ""
    return str(value)


def _csv_field(value: str) -> str:
    """One field as PHP's ``fputcsv`` writes it (enclosure ``"``, escape ``\\``).

    It encloses a field holding a comma, quote, backslash, space, tab or line end, and
    doubles each quote except one right after a backslash: PHP's reader takes that pair
    as it is, and Moodle reads files with PHP's reader.
    """
    if not any(ch in value for ch in ',"\\ \t\r\n'):
        return value
    out, escaped = ['"'], False
    for ch in value:
        if ch == "\\":
            escaped = True
        elif ch == '"' and not escaped:
            out.append('"')
        else:
            escaped = False
        out.append(ch)
    out.append('"')
    return "".join(out)


def _scale_configuration(target: int) -> str:
    """Levels from ``target`` up are proficient; the target is the default.

    Moodle's import replaces the scale id with the one of the scale it finds or makes.
    """
    items = [{"id": level, "scaledefault": int(level == target),
              "proficient": int(level >= target)} for level in range(1, LEVELS + 1)]
    return json.dumps([{"scaleid": "0"}, *items], separators=(",", ":"))


def _html_text(text: str) -> str:
    """Text as HTML that reads back the same: line breaks as ``<br>``, tabs as references."""
    escaped = html.escape(text, quote=False).replace("\t", "&#9;").replace("\r", "")
    return escaped.replace("\n", "<br>")


def _html_paragraphs(text: str) -> str:
    return f"<p>{_html_text(text)}</p>" if text else ""


def _competency_html(comp: Competency) -> str:
    levels = "".join(f"<li>{_html_text(text)}</li>" for text in comp.levels)
    return (f'{_html_paragraphs(comp.description)}<ol class="skillpath-levels">{levels}</ol>'
            f'<p class="skillpath-importance">Importance: {comp.importance} of 5</p>')


# --- reading -----------------------------------------------------------------------------

@dataclass(eq=False)
class _Row:
    line: int
    cells: dict[str, str]
    children: list[_Row] = field(default_factory=list)
    parent: _Row | None = None

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    @property
    def label(self) -> Place:
        return place(self["idnumber"] or self["shortname"] or line_at(self.line))


_What = str | tuple[str, str]  # an N_ template, or an N_plural pair


class _Notes:
    """Notes gathered by what they say, so that one kind of loss is one note."""

    def __init__(self) -> None:
        self._where: dict[tuple[Any, ...], tuple[Note, list[Place]]] = {}

    def add(self, where: str | Place, what: _What, **params: Any) -> None:
        """Note ``what`` (an ``N_`` template, or an ``N_plural`` pair with a ``count``)."""
        note = _note(where, what, params)
        said = (note.what, note.plural, tuple(sorted(params.items())))
        self._where.setdefault(said, (note, []))[1].append(place(where))

    def notes(self) -> tuple[Note, ...]:
        return tuple(Note("; ".join(p.text for p in places), note.what, note.params,
                          note.plural, tuple(places))
                     for note, places in self._where.values())


def _note(where: str | Place, what: _What, params: dict[str, Any]) -> Note:
    at = place(where)
    if isinstance(what, tuple):
        return Note(at.text, what[0], params, what[1], (at,))
    return Note(at.text, what, params, places=(at,))


def read(data: bytes) -> Reading:
    """A Moodle framework's CSV as a draft's competencies, with a note for what does not map.

    Refused as :class:`Unreadable` (nothing read): not UTF-8, empty, too big, not 14
    columns, a quote never closed, no framework row or two, an id number used twice, or
    parents that form a circle.
    """
    if len(data) > MAX_BYTES:
        raise Unreadable(N_("The file is larger than %(limit)s MB; a competency framework "
                            "this big cannot become one profile."),
                         limit=MAX_BYTES // (1024 * 1024))
    try:
        text = decode(data)
    except InvalidInput as exc:
        raise Unreadable(exc.template, exc.details, **exc.params) from exc
    # Moodle's reader does the same before it parses: Mac and DOS line ends, outer space
    # (the lines before the header still count, for the line numbers people look up).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    notes = _Notes()
    text = _without_unshown(text, notes)
    body = text.strip()
    if not body:
        raise Unreadable(N_("The file is empty."))
    first = 1 + text[:len(text) - len(text.lstrip())].count("\n")
    delimiter = _delimiter(body)
    if delimiter != ",":
        notes.add(line_at(first), _SEPARATED[delimiter])
    framework, rows = _rows(body, delimiter, first)
    _link(rows, notes)
    return Reading(framework["shortname"] or framework["idnumber"],
                   _competencies(framework, rows, notes),
                   (*_framework_notes(framework), *notes.notes()))


def _without_unshown(text: str, notes: _Notes) -> str:
    found = [(match.start(), match[0]) for match in _UNSHOWN.finditer(text)]
    if not found:
        return text
    listed = ", ".join(f"U+{ord(ch):04X} ({text.count(chr(10), 0, at) + 1})"
                       for at, ch in found[:10])
    if len(found) > 10:
        notes.add(FILE, N_("Characters that cannot be shown were removed (with the line "
                             "of each): %(listed)s and %(more)s more."),
                  listed=listed, more=len(found) - 10)
    else:
        notes.add(FILE, N_("Characters that cannot be shown were removed (with the line "
                             "of each): %(listed)s."), listed=listed)
    return _UNSHOWN.sub("", text)


# What a file separated otherwise than by commas says (one of _DELIMITERS).
_SEPARATED = {
    ";": N_("Columns separated by semicolons (Moodle's export separates them by commas): "
            "read by that separator."),
    "\t": N_("Columns separated by tabs (Moodle's export separates them by commas): read by "
             "that separator."),
    ":": N_("Columns separated by colons (Moodle's export separates them by commas): read by "
            "that separator."),
}


def _delimiter(text: str) -> str:
    """The separator that makes the header 14 columns; refused when none does."""
    header = text.partition("\n")[0]
    widths = {d: _width(header, d) for d in _DELIMITERS}
    for d in _DELIMITERS:
        if widths[d] == len(COLUMNS):
            return d
    found = max(widths.values())
    raise Unreadable(N_("The first line has %(found)s columns; a Moodle competency "
                        "framework file has %(expected)s (parent ID number, ID number, short "
                        "name, ... taxonomy). Export the framework from Moodle again."),
                     found=found, expected=len(COLUMNS))


def _width(header: str, delimiter: str) -> int:
    try:
        return len(next(_split(header, delimiter))[1])
    except Unreadable:  # a quote this separator leaves open: not the separator
        return 0


def _field_pattern(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    # PHP's fgetcsv: spaces before an opening quote are skipped; inside quotes "" is a
    # quote and a backslash keeps the next character; text after the closing quote joins.
    return re.compile(rf'[ \t]*"((?:[^"\\]+|""|\\.)*)"([^{d}\n]*)|([^{d}\n]*)', re.S)


_UNQUOTE = re.compile(r'\\.|""', re.S)


def _split(text: str, delimiter: str, line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on, as PHP's ``fgetcsv`` splits them."""
    pattern, pos, end = _field_pattern(delimiter), 0, len(text)
    while pos < end:
        start, cells = line, []
        while True:
            match = pattern.match(text, pos)
            assert match is not None  # the last alternative matches the empty string
            quoted, after, plain = match.groups()
            if plain is not None:
                if plain.lstrip(" \t").startswith('"'):
                    raise Unreadable(N_("A quote opened on line %(line)s is never closed."),
                                     line=line)
                cells.append(plain)
            else:
                cells.append(_UNQUOTE.sub(lambda m: '"' if m[0] == '""' else m[0], quoted)
                             + after)
            line += match[0].count("\n")
            pos = match.end()
            if pos < end and text[pos] == delimiter:
                pos += 1
                continue
            pos, line = pos + 1, line + 1  # the line's end
            break
        yield start, cells


def _rows(text: str, delimiter: str, first: int) -> tuple[_Row, list[_Row]]:
    records = _split(text, delimiter, first)
    next(records)  # the header, in the site's language: columns count by position
    framework: _Row | None = None
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        if len(cells) == 1 and not cells[0].strip():
            continue  # a blank line, as Moodle skips it
        if len(cells) != len(COLUMNS):
            raise Unreadable(N_("Line %(line)s has %(found)s columns instead of %(expected)s: "
                                "nothing was read."), line=line, found=len(cells),
                             expected=len(COLUMNS))
        if len(rows) >= MAX_ROWS:
            raise Unreadable(N_("The file has more than %(limit)s competencies: a profile "
                                "cannot be made from it."), limit=MAX_ROWS)
        row = _Row(line, {c: v.strip() for c, v in zip(COLUMNS, cells, strict=True)})
        row.cells["description"] = cells[3]
        if row["isframework"] not in ("", "0"):  # PHP's truth of a string
            if framework is not None:
                raise Unreadable(N_("Lines %(first)s and %(second)s both say they are the "
                                    "framework; a file holds one framework."),
                                 first=framework.line, second=line)
            framework = row
            continue
        if row["idnumber"] in seen:
            raise Unreadable(N_("The ID number “%(id)s” is on line %(first)s and line "
                                "%(second)s: nothing was read."),
                             id=row["idnumber"], first=seen[row["idnumber"]], second=line)
        if row["idnumber"]:
            seen[row["idnumber"]] = line
        rows.append(row)
    if framework is None:
        raise Unreadable(N_("No line says it is the framework (the column “Is framework”): "
                            "this is not a Moodle competency framework file."))
    return framework, rows


def _link(rows: list[_Row], notes: _Notes) -> None:
    """Parents and children; a missing parent leaves its row at the top, a circle refuses."""
    by_id = {row["idnumber"]: row for row in rows if row["idnumber"]}
    for row in rows:
        parent_id = row["parentidnumber"]
        if not parent_id:
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            notes.add(line_at(row.line), N_("The parent ID number “%(parent)s” is not in "
                                             "the file (Moodle would skip this line and those "
                                             "under it): read as if directly under the "
                                             "framework."), parent=parent_id)
            continue
        row.parent = parent
        parent.children.append(row)
    reaches_top: set[int] = set()
    for row in rows:
        path: list[_Row] = []
        on_path: dict[int, int] = {}
        up: _Row | None = row
        while up is not None and id(up) not in reaches_top:
            if id(up) in on_path:
                circle = path[on_path[id(up)]:]
                raise Unreadable(N_("The parent ID numbers of lines %(lines)s form a circle: "
                                    "each is under another of them."),
                                 lines=", ".join(str(r.line) for r in sorted(
                                     circle, key=lambda r: r.line)))
            on_path[id(up)] = len(path)
            path.append(up)
            up = up.parent
        reaches_top.update(id(r) for r in path)


def _competencies(framework: _Row, rows: list[_Row], notes: _Notes
                  ) -> tuple[Competency, ...]:
    taken = {row["idnumber"] for row in rows if _KEY.match(row["idnumber"])}
    renamed: list[str] = []
    out: list[Competency] = []
    for row in rows:
        _rule_notes(row, notes)
        if row.children:
            if _text(row).description:
                notes.add(row.label, N_("Has competencies under it, so it is read as their "
                                        "group; its description is not kept."))
            continue
        name = row["shortname"] or row["idnumber"]
        if not name:
            notes.add(line_at(row.line), N_("Has neither an ID number nor a short name "
                                             "(Moodle would skip it): not read."))
            continue
        if not row["shortname"]:
            notes.add(row.label, N_("Has no short name (Moodle would skip it): its ID number "
                                    "is used as its name."))
        key = row["idnumber"]
        if not _KEY.match(key):
            key = make_key(key or name, taken)
            taken.add(key)
            renamed.append(f"{row['idnumber'] or name} → {key}")
        out.append(_competency(row, key, name, _group(row, framework, notes),
                               _scale(row, framework), notes))
    if renamed:
        notes.add(ID_NUMBERS, N_("Skillpath keys are lower-case letters, digits and '-': "
                                   "read as %(renamed)s."), renamed=", ".join(renamed))
    if not out:
        notes.add(FILE, N_("The framework has no competencies."))
    elif len(out) > MAX_COMPETENCIES:
        notes.add(FILE, N_("It has %(count)s competencies; a profile holds at most "
                             "%(limit)s: remove some before publishing."),
                  count=len(out), limit=MAX_COMPETENCIES)
    return tuple(out)


def _group(row: _Row, framework: _Row, notes: _Notes) -> str:
    """The top-level ancestor's name; a deeper place in the hierarchy is noted."""
    if row.parent is None:
        notes.add(row.label, N_("Is directly under the framework: read in a group named "
                                "after the framework."))
        return framework["shortname"]
    top, depth = row.parent, 1
    while top.parent is not None:
        top, depth = top.parent, depth + 1
    group = top["shortname"] or top["idnumber"]
    if depth > 1:
        between = " › … › " if depth > 2 else " › "
        parent = row.parent["shortname"] or row.parent["idnumber"]
        notes.add(row.label, N_("Was under %(path)s: read in the group “%(group)s” (a "
                                "profile has one level of groups)."),
                  path=f"{group}{between}{parent}", group=group)
    return group


def _rule_notes(row: _Row, notes: _Notes) -> None:
    if row["ruletype"] or row["ruleconfig"] not in ("", "null"):
        if row["ruletype"]:
            notes.add(row.label, N_("Its completion rule (%(rule)s) is not kept: Skillpath "
                                    "does not complete a competency from others."),
                      rule=row["ruletype"])
        else:
            notes.add(row.label, N_("Its completion rule (with no type) is not kept: "
                                    "Skillpath does not complete a competency from others."))
    related = [r.replace("%2C", ",") for r in row["relatedidnumbers"].split(",") if r]
    if related:
        notes.add(row.label, N_("Its cross-references to %(related)s are not kept: Skillpath "
                                "does not link competencies."), related=", ".join(related))


def _scale(row: _Row, framework: _Row) -> tuple[list[str], str]:
    """The scale a competency is rated on: its own, else the framework's (as Moodle does)."""
    source = row if row["scalevalues"] else framework
    return [v.strip() for v in source["scalevalues"].split(",")], source["scaleconfiguration"]


def _competency(row: _Row, key: str, name: str, group: str,
                scale: tuple[list[str], str], notes: _Notes) -> Competency:
    text = _text(row)
    for what, params in text.lost:
        notes.add(row.label, what, **params)
    values, configuration = scale
    levels = text.levels
    if levels is None:
        if len(values) == LEVELS and values != SCALE.split(","):
            levels = tuple(values)
            notes.add(row.label, N_("No level descriptors: the five values of its scale are "
                                    "read as them; describe each level before publishing."))
        else:
            levels = ("",) * LEVELS
            notes.add(row.label, N_("No level descriptors: describe each level before "
                                    "publishing."))
    importance = text.importance
    if importance is None:
        importance = UNSET
        notes.add(row.label, N_("No importance (Moodle has none): set one before "
                                "publishing."))
    return Competency(key, name, text.description, group, levels,
                      _target(row, values, configuration, notes), importance)


def _target(row: _Row, values: list[str], configuration: str, notes: _Notes) -> int:
    """The lowest proficient value of a five-value scale."""
    if len(values) != LEVELS:
        notes.add(row.label, N_plural(
            "Its scale has %(count)s value, not 5 (%(values)s): set its target before "
            "publishing.",
            "Its scale has %(count)s values, not 5 (%(values)s): set its target before "
            "publishing."), count=len(values), values=", ".join(values))
        return UNSET
    proficient = _proficient(configuration)
    if not proficient:
        notes.add(row.label, N_("Its scale configuration marks no value as proficient: set "
                                "its target before publishing."))
        return UNSET
    target = min(proficient)
    if proficient != set(range(target, LEVELS + 1)):
        notes.add(row.label, N_("Proficient values %(values)s are not a level and all above "
                                "it: target read as %(target)s."),
                  values=", ".join(map(str, sorted(proficient))), target=target)
    return target


@functools.lru_cache(maxsize=64)  # a framework's competencies share a few configurations
def _proficient(configuration: str) -> frozenset[int]:
    try:
        items: Any = json.loads(configuration)
    except ValueError:
        return frozenset()
    if not isinstance(items, list):
        return frozenset()
    return frozenset({item["id"] for item in items[1:] if isinstance(item, dict)
            and isinstance(item.get("id"), int) and 1 <= item["id"] <= LEVELS
            and item.get("proficient") not in (None, 0, "0", "", False)})


# --- descriptions ------------------------------------------------------------------------

@dataclass
class _Text:
    description: str
    levels: tuple[str, ...] | None
    importance: int | None
    lost: list[tuple[_What, dict[str, Any]]]  # what a note says of it: template, params


def _text(row: _Row) -> _Text:
    raw, form = row["description"], row["descriptionformat"]
    if form in (str(FORMAT_PLAIN), str(FORMAT_MARKDOWN)):
        lost: list[tuple[_What, dict[str, Any]]] = \
            [(N_("Its description is Markdown: kept as written."), {})] \
            if form == str(FORMAT_MARKDOWN) else []
        return _Text(raw.strip(), None, None, lost)
    if form == str(FORMAT_MOODLE):  # Moodle's auto-format makes each line end a break
        raw = raw.replace("\n", "<br>")
    parser = _Description()
    parser.feed(raw)
    parser.close()
    return parser.result()


class _Description(HTMLParser):
    """A description's HTML: its text, and the levels and importance this module writes."""

    _BLOCKS = frozenset({"p", "div", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "table", "tr"})
    _OURS = frozenset({"p", "br", "ol", "li"})
    _HIDDEN = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.levels: list[str] | None = None
        self.importance: int | None = None
        self.in_levels = False
        self.in_importance = False
        self.other_tags: set[str] = set()
        self.hidden = 0  # inside <script> or <style>: not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "br":
            self.current.append("\n")
            return
        if tag not in self._OURS:
            self.other_tags.add(tag)
        if tag in self._HIDDEN:
            self.hidden += 1
        if tag in self._BLOCKS:
            self._end_block()
        if tag == "ol" and "skillpath-levels" in classes and self.levels is None:
            self.in_levels, self.levels = True, []
        elif tag == "p" and "skillpath-importance" in classes:
            self.in_importance = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in self._BLOCKS:
            self._end_block()
        if tag == "ol":
            self.in_levels = False
        elif tag == "p":
            self.in_importance = False

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        # Line ends and tabs in HTML source are layout, not text.
        self.current.append(re.sub(r"[ ]*[\r\n\t]+[ \r\n\t]*", " ", data))

    def handle_entityref(self, name: str) -> None:
        self.current.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.current.append(html.unescape(f"&#{name};"))

    def _end_block(self) -> None:
        text = "".join(self.current).strip()
        self.current = []
        if not text:
            return
        if self.in_levels and self.levels is not None:
            self.levels.append(text)
            return
        found = _IMPORTANCE.match(text)
        if self.in_importance and found:
            self.importance = int(found[1])
            return
        self.paragraphs.append(text)

    def result(self) -> _Text:
        self._end_block()
        lost: list[tuple[_What, dict[str, Any]]] = []
        levels = tuple(self.levels) if self.levels is not None else None
        if levels is not None and len(levels) != LEVELS:
            lost.append((N_plural("Its list of levels has %(count)s item, not 5: read as part "
                                  "of its description.",
                                  "Its list of levels has %(count)s items, not 5: read as part "
                                  "of its description."), {"count": len(levels)}))
            self.paragraphs.extend(levels)
            levels = None
        if self.other_tags:
            lost.append((N_("Its description's formatting (%(tags)s) is not kept; its text is."),
                         {"tags": ", ".join(f"<{t}>" for t in sorted(self.other_tags))}))
        return _Text("\n\n".join(self.paragraphs), levels, self.importance, lost)


def _framework_notes(framework: _Row) -> list[Note]:
    notes = []
    if framework["taxonomy"]:
        notes.append(_note(FRAMEWORK, N_("Its taxonomy (%(taxonomy)s) names the levels of its "
                                          "hierarchy in Moodle; a profile has groups and "
                                          "competencies and does not keep it."),
                          {"taxonomy": framework["taxonomy"]}))
    if _text(framework).description:
        notes.append(_note(FRAMEWORK, N_("Its description is not kept: a profile's summary "
                                          "is written when it is published."), {}))
    return notes
