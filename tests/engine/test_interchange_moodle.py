"""The Moodle competency framework CSV: golden files written by hand from Moodle's own code.

``admin/tool/lpimportcsv``: the exporter writes the header (its language strings), then
the framework row, then one row per competency through PHP's ``fputcsv`` (a field with a
space, comma, quote or backslash is quoted; ``true`` is 1 and ``false`` nothing; a rule
config it lacks is the word ``null``; a comma in a cross-referenced id number is
``%2C``). The importer reads the 14 columns by position.
"""

from __future__ import annotations

import pytest

from engine.interchange import UNSET, Reading, Written, moodle
from engine.interchange.moodle import Unreadable
from engine.profiles import Competency

HEADER = ('"Parent ID number","ID number","Short name",Description,"Description format",'
          '"Scale values","Scale configuration","Rule type (optional)",'
          '"Rule outcome (optional)","Rule config (optional)",'
          '"Cross-referenced competency ID numbers","Exported ID (optional)",'
          '"Is framework",Taxonomy\n')
# Proficient from 3 up, 3 the default: what a target of 3 is in Moodle.
TARGET_3 = ('"[{""scaleid"":""0""},{""id"":1,""scaledefault"":0,""proficient"":0},'
            '{""id"":2,""scaledefault"":0,""proficient"":0},'
            '{""id"":3,""scaledefault"":1,""proficient"":1},'
            '{""id"":4,""scaledefault"":0,""proficient"":1},'
            '{""id"":5,""scaledefault"":0,""proficient"":1}]"')
TARGET_4 = ('"[{""scaleid"":""0""},{""id"":1,""scaledefault"":0,""proficient"":0},'
            '{""id"":2,""scaledefault"":0,""proficient"":0},'
            '{""id"":3,""scaledefault"":0,""proficient"":0},'
            '{""id"":4,""scaledefault"":1,""proficient"":1},'
            '{""id"":5,""scaledefault"":0,""proficient"":1}]"')

LIFTING = Competency(
    "safe-lifting", "Safe lifting", "Moves loads without harm.\nAt any height.", "Safety",
    ("Knows the rules", "Lifts with help", "Lifts alone", 'Lifts "heavy" loads, safely',
     "Teaches others"), 3, 5)
SCANNING = Competency(
    "scanning", "Scanning", "", "Safety",
    ("Scans", "Scans fast", "Fixes misreads", "Spots errors", "Sets up scanners"), 4, 2)
WRAPPING = Competency(
    "pallet-wrap", "Pallet wrapping", "Wraps & labels.", "Stock",
    ("Watches", "Wraps", "Wraps <2 min>", "Wraps odd loads", "Trains"), 3, 3)
PROFILE = Written("Warehouse associate", 2, "Adds pallet wrapping.", "2026-12-01T10:00:00Z",
                  (LIFTING, SCANNING, WRAPPING), "acme-warehouse")

GOLDEN = (
    HEADER
    + ',acme-warehouse-v2,"Warehouse associate","<p>Adds pallet wrapping.</p>",1,"1,2,3,4,5",'
    + TARGET_3 + ",,,,,,1,\n"
    + ",group:safety,Safety,,1,,,,0,null,,,,\n"
    + 'group:safety,safe-lifting,"Safe lifting","<p>Moves loads without harm.<br>At any '
      'height.</p><ol class=""skillpath-levels""><li>Knows the rules</li><li>Lifts with '
      'help</li><li>Lifts alone</li><li>Lifts ""heavy"" loads, safely</li><li>Teaches '
      'others</li></ol><p class=""skillpath-importance"">Importance: 5 of 5</p>",1,'
      '"1,2,3,4,5",' + TARGET_3 + ",,0,null,,,,\n"
    + 'group:safety,scanning,Scanning,"<ol class=""skillpath-levels""><li>Scans</li><li>'
      'Scans fast</li><li>Fixes misreads</li><li>Spots errors</li><li>Sets up scanners'
      '</li></ol><p class=""skillpath-importance"">Importance: 2 of 5</p>",1,"1,2,3,4,5",'
    + TARGET_4 + ",,0,null,,,,\n"
    + ",group:stock,Stock,,1,,,,0,null,,,,\n"
    + 'group:stock,pallet-wrap,"Pallet wrapping","<p>Wraps &amp; labels.</p><ol class='
      '""skillpath-levels""><li>Watches</li><li>Wraps</li><li>Wraps &lt;2 min&gt;</li><li>'
      'Wraps odd loads</li><li>Trains</li></ol><p class=""skillpath-importance"">'
      'Importance: 3 of 5</p>",1,"1,2,3,4,5",' + TARGET_3 + ",,0,null,,,,\n"
)
SUMMARY_NOTE = ("framework", "Its description is not kept: a profile's summary is "
                             "written when it is published.")


def said(reading: Reading) -> tuple[tuple[str, str], ...]:
    """Each note's place and its English text (its template filled with its params)."""
    return tuple((n.where, n.text) for n in reading.notes)


def test_a_profile_is_written_as_moodle_exports_a_framework_byte_for_byte():
    assert moodle.write(PROFILE) == GOLDEN.encode("utf-8")


def test_the_golden_file_reads_back_as_the_profile():
    reading = moodle.read(GOLDEN.encode("utf-8"))
    assert reading.title == "Warehouse associate"
    assert reading.competencies == PROFILE.competencies
    assert said(reading) == (SUMMARY_NOTE,)


def roundtrip(*competencies: Competency) -> tuple[Competency, ...]:
    written = Written("Role", 1, "First.", "2026-12-01T10:00:00Z", competencies, "org-role")
    return moodle.read(moodle.write(written)).competencies


def test_round_trip_keeps_every_target_importance_and_odd_text():
    levels = ("Ünïcödé 😀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀋", 'C:\\"dir\\" and C:\\\\', "tab\there;semi:colon",
              "a  b\n\n  c, %2C")
    comps = tuple(Competency(f"c-{t}-{i}", f"Name {t}{i} ✓", f"Line one\nline 𝄞 {t}", f"G{i}",
                             levels, t, i) for t in range(1, 6) for i in range(1, 6))
    # Written group by group: the order is the groups' order of first appearance.
    expected = sorted(comps, key=lambda c: int(c.group[1:]))
    assert list(roundtrip(*comps)) == expected


def test_groups_collide_with_no_competency_key():
    comp = Competency("safety", "Safety", "", "Safety", ("a", "b", "c", "d", "e"), 2, 2)
    assert roundtrip(comp) == (comp,)


# A framework as a Moodle site exports it, written by hand from framework_exporter.php:
# a three-deep hierarchy, a rule on a domain, cross-references (one id number holding a
# comma), a competency on a scale of its own, one directly under the framework, HTML
# written by Moodle's editor, and a taxonomy.
FIVE_LABELS = "Not yet,Beginning,Developing,Proficient,Expert"
MOODLE_EXPORT = (
    HEADER
    + ',DL-2024,"Digital literacy","<p dir=""ltr"" style=""text-align: left;"">Skills for '
      'information.</p>",1,"' + FIVE_LABELS + '","[{""scaleid"":""3""},{""id"":1,'
      '""scaledefault"":1,""proficient"":0},{""id"":2,""scaledefault"":0,""proficient"":0},'
      '{""id"":3,""scaledefault"":0,""proficient"":0},{""id"":4,""scaledefault"":0,'
      '""proficient"":1},{""id"":5,""scaledefault"":0,""proficient"":1}]",,,,,,1,'
      '"domain,competency,skill"\n'
    + ',DL1,Information,"<p>Finding and judging information.</p>",1,,,'
      '"core_competency\\competency_rule_all",2,null,,12,,\n'
    + 'DL1,DL1.1,Searching,"<p>Finds what they need\n<strong>fast</strong>.</p>",1,,,,0,'
      'null,"DL1%2C2,DL2",13,,\n'
    + 'DL1.1,DL1.1.1,"Search operators","<p>Uses&nbsp;quotes and minus.</p>",1,,,,0,null,,'
      '14,,\n'
    + 'DL1,"DL1,2","Evaluating sources","<p>Judges whether a source can be trusted.</p>",1,'
      '"Not yet competent,Competent","[{""scaleid"":""2""},{""id"":1,""scaledefault"":1,'
      '""proficient"":0},{""id"":2,""scaledefault"":0,""proficient"":1}]",,0,null,DL1.1,'
      '15,,\n'
    + ',DL2,"Staying safe online",,1,,,,0,null,,16,,\n'
)


def test_a_framework_exported_by_moodle_reads_with_a_note_for_each_loss():
    reading = moodle.read(MOODLE_EXPORT.encode("utf-8"))
    labels = tuple(FIVE_LABELS.split(","))
    assert reading.title == "Digital literacy"
    assert reading.competencies == (
        Competency("dl1-1-1", "Search operators", "Uses\xa0quotes and minus.", "Information",
                   labels, 4, UNSET),
        Competency("dl1-2", "Evaluating sources", "Judges whether a source can be trusted.",
                   "Information", ("",) * 5, UNSET, UNSET),
        Competency("dl2", "Staying safe online", "", "Digital literacy", labels, 4, UNSET),
    )
    assert said(reading) == (
        ("framework", "Its taxonomy (domain,competency,skill) names the levels of its "
                      "hierarchy in Moodle; a profile has groups and competencies and "
                      "does not keep it."),
        SUMMARY_NOTE,
        ("DL1", "Its completion rule (core_competency\\competency_rule_all) is not kept: "
                "Skillpath does not complete a competency from others."),
        ("DL1; DL1.1", "Has competencies under it, so it is read as their group; its "
                       "description is not kept."),
        ("DL1.1", "Its cross-references to DL1,2, DL2 are not kept: Skillpath does not "
                  "link competencies."),
        ("DL1.1.1", "Was under Information › Searching: read in the group "
                    "“Information” (a profile has one level of groups)."),
        ("DL1.1.1; DL2", "No level descriptors: the five values of its scale are read "
                         "as them; describe each level before publishing."),
        ("DL1.1.1; DL1,2; DL2",
         "No importance (Moodle has none): set one before publishing."),
        ("DL1,2", "Its cross-references to DL1.1 are not kept: Skillpath does not link "
                  "competencies."),
        ("DL1,2", "No level descriptors: describe each level before publishing."),
        ("DL1,2", "Its scale has 2 values, not 5 (Not yet competent, Competent): "
                  "set its target before publishing."),
        ("DL2", "Is directly under the framework: read in a group named after the "
                "framework."),
        ("ID numbers", "Skillpath keys are lower-case letters, digits and '-': read as "
                       "DL1.1.1 → dl1-1-1, DL1,2 → dl1-2, DL2 → dl2."),
    )


def test_formatting_in_a_description_is_noted_and_its_text_kept():
    reading = moodle.read(MOODLE_EXPORT.replace(
        '"<p>Uses&nbsp;quotes and minus.</p>"',
        '"<p>Uses <em>quotes</em></p><ul><li>and</li></ul><p>minus.</p>"').encode())
    assert reading.competencies[0].description == "Uses quotes\n\nand\n\nminus."
    assert ("DL1.1.1", "Its description's formatting (<em>, <ul>) is not kept; its text "
                       "is.") in said(reading)


# --- Bad input -----------------------------------------------------------------------------

def unreadable(data: bytes) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        moodle.read(data)
    assert caught.value.code == "unreadable_file"
    return caught.value


def test_a_byte_order_mark_and_crlf_line_ends_read_the_same():
    data = b"\xef\xbb\xbf" + GOLDEN.replace("\n", "\r\n").encode("utf-8")
    assert moodle.read(data) == moodle.read(GOLDEN.encode("utf-8"))


def test_a_line_end_inside_quotes_is_text_and_lines_are_counted_across_it():
    data = MOODLE_EXPORT.replace("\n", "\r\n") + 'DL1,DL1,"twice",,1,,,,0,null,,17,,\r\n'
    # The description of DL1.1 spans two lines: the second DL1 is on line 9.
    assert unreadable(data.encode()).params == {"id": "DL1", "first": 3, "second": 9}


def test_semicolon_separated_files_are_read_with_a_note():
    rows = [line.split(",") for line in (
        "Parent ID number,ID number,Short name,Description,Description format,Scale values,"
        "Scale configuration,Rule type,Rule outcome,Rule config,Related,Exported ID,"
        "Is framework,Taxonomy",
        ",F1,Frame,,1,,,,,,,,1,",
        ",G,Group,,1,,,,0,null,,,,",
        "G,c1,Competency one,,1,,,,0,null,,,,")]
    data = "\r\n".join(";".join(row) for row in rows).encode()
    reading = moodle.read(data)
    assert [(c.key, c.name, c.group) for c in reading.competencies] == [
        ("c1", "Competency one", "Group")]
    assert said(reading)[0] == ("line 1", "Columns separated by semicolons (Moodle's "
                                          "export separates them by commas): read by "
                                          "that separator.")


def test_a_file_of_other_columns_is_refused_with_the_count():
    assert unreadable(b"name,role,site\nAna,Picker,North\n").params == {
        "found": 3, "expected": 14}
    thirteen = HEADER.rsplit(",", 1)[0] + "\n"
    assert unreadable(thirteen.encode()).params == {"found": 13, "expected": 14}


def test_a_line_with_a_column_missing_refuses_the_whole_file():
    data = GOLDEN.replace(",group:stock,Stock,,1,,,,0,null,,,,\n",
                          ",group:stock,Stock,,1,,,,0,null,,,\n")
    assert unreadable(data.encode()).params == {"line": 6, "found": 13, "expected": 14}


def test_a_parent_not_in_the_file_is_read_at_the_top_with_a_note():
    data = GOLDEN.replace("group:stock,pallet-wrap", "group:gone,pallet-wrap")
    reading = moodle.read(data.encode())
    assert reading.competencies[-1].group == "Warehouse associate"
    assert ("line 7", "The parent ID number “group:gone” is not in the file (Moodle "
                      "would skip this line and those under it): read as if directly "
                      "under the framework.") in said(reading)
    # Its group row has nothing under it now: it is read as a competency, and says so.
    assert [c.key for c in reading.competencies] == [
        "safe-lifting", "scanning", "group-stock", "pallet-wrap"]


def test_duplicate_id_numbers_are_refused():
    data = GOLDEN.replace("group:safety,scanning,", "group:safety,safe-lifting,")
    assert unreadable(data.encode()).params == {"id": "safe-lifting", "first": 4,
                                                "second": 5}


def test_parents_in_a_circle_are_refused_naming_the_lines():
    data = (GOLDEN.replace(",group:safety,Safety", "scanning,group:safety,Safety")
            .replace("group:safety,scanning,", "safe-lifting,scanning,"))
    assert unreadable(data.encode()).params == {"lines": "3, 4, 5"}
    self_parent = GOLDEN.replace("group:stock,pallet-wrap", "pallet-wrap,pallet-wrap")
    assert unreadable(self_parent.encode()).params == {"lines": "7"}


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_an_empty_file_is_refused(data):
    assert unreadable(data).message == "The file is empty."


def test_a_header_alone_or_without_a_framework_row_is_refused():
    assert "framework" in unreadable(HEADER.encode()).message
    data = GOLDEN.replace('",,,,,,1,\n', '",,,,,,0,\n', 1)
    assert unreadable(data.encode()).template.startswith("No line says it is the framework")


def test_two_framework_rows_are_refused():
    data = GOLDEN + ",other,Other,,1,,,,,,,,1,\n"
    assert unreadable(data.encode()).params == {"first": 2, "second": 8}


def test_bytes_that_are_not_utf8_are_refused_naming_the_line():
    data = GOLDEN.replace("Scanning,", "Sc\u00e1nning,").encode("utf-8")
    latin = data.replace("Sc\u00e1nning".encode(), "Sc\u00e1nning".encode("latin-1"))
    assert unreadable(latin).params == {"line": 5}


def test_a_quote_never_closed_is_refused():
    assert unreadable((GOLDEN + ',x,"Never closed,,1\n').encode()).params == {"line": 8}


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    data = GOLDEN.encode() + b"#" * moodle.MAX_BYTES
    assert unreadable(data).params == {"limit": 4}


def test_a_framework_of_thousands_reads_with_a_note_that_a_profile_holds_forty():
    rows = "".join(f"group:safety,c-{n},Competency {n},,1,,,,0,null,,,,\n"
                   for n in range(3000))
    reading = moodle.read((GOLDEN + rows).encode())
    assert len(reading.competencies) == 3003
    assert ("file", "It has 3003 competencies; a profile holds at most 40: remove some "
                    "before publishing.") in said(reading)


def test_more_rows_than_the_limit_are_refused():
    rows = "".join(f",c-{n},C{n},,1,,,,0,null,,,,\n" for n in range(moodle.MAX_ROWS + 1))
    assert unreadable((GOLDEN + rows).encode()).params == {"limit": moodle.MAX_ROWS}


def test_a_scale_configuration_that_is_not_json_leaves_the_target_unset_with_a_note():
    data = GOLDEN.replace(TARGET_4, '"{not json"')
    reading = moodle.read(data.encode())
    assert reading.competencies[1].target == UNSET
    assert ("scanning", "Its scale configuration marks no value as proficient: set its "
                        "target before publishing.") in said(reading)


def test_proficient_values_with_a_gap_read_the_lowest_as_target_with_a_note():
    gap = TARGET_4.replace('""id"":2,""scaledefault"":0,""proficient"":0',
                           '""id"":2,""scaledefault"":0,""proficient"":1')
    reading = moodle.read(GOLDEN.replace(TARGET_4, gap).encode())
    assert reading.competencies[1].target == 2
    assert ("scanning", "Proficient values 2, 4, 5 are not a level and all above it: "
                        "target read as 2.") in said(reading)


def test_a_scale_of_one_value_is_noted_in_the_singular():
    reading = moodle.read(MOODLE_EXPORT.replace('"Not yet competent,Competent"',
                                                '"Competent"').encode())
    (note,) = [n for n in reading.notes if n.where == "DL1,2" and n.plural]
    assert (note.what, note.params) == (
        "Its scale has %(count)s value, not 5 (%(values)s): set its target before publishing.",
        {"count": 1, "values": "Competent"})
    assert note.text == "Its scale has 1 value, not 5 (Competent): set its target before " \
        "publishing."


def test_characters_that_cannot_be_shown_are_removed_with_a_note_naming_them():
    data = GOLDEN.replace("Scanning,", "Scan\u202ening\x00,").replace("Watches", "Wat\ue000ches")
    reading = moodle.read(data.encode())
    assert [c.name for c in reading.competencies] == [
        "Safe lifting", "Scanning", "Pallet wrapping"]
    assert reading.competencies[2].levels[0] == "Watches"
    assert ("file", "Characters that cannot be shown were removed (with the line of each): "
                    "U+202E (5), U+0000 (5), U+E000 (7).") in said(reading)


def test_more_than_ten_characters_that_cannot_be_shown_are_counted_past_the_tenth():
    data = GOLDEN.replace("Scanning,", "Scan" + "\x00" * 12 + "ning,")
    reading = moodle.read(data.encode())
    assert [c.name for c in reading.competencies][1] == "Scanning"
    assert ("file", "Characters that cannot be shown were removed (with the line of each): "
                    + ", ".join(["U+0000 (5)"] * 10) + " and 2 more.") in said(reading)


def test_a_header_with_a_stray_quote_still_finds_its_separator():
    data = GOLDEN.replace("Taxonomy\n", 'Taxonomy: "new\n', 1)
    assert moodle.read(data.encode()).competencies == PROFILE.competencies


def test_moodle_auto_format_breaks_lines_and_scripts_are_not_text():
    row = (',c1,One,"First line\nsecond <script>alert(1)</script><style>p{}</style>line",0,'
           ',,,0,null,,,,\n')
    reading = moodle.read((GOLDEN + row).encode())
    assert reading.competencies[-1].description == "First line\nsecond line"
    assert ("c1", "Its description's formatting (<script>, <style>) is not kept; its "
                  "text is.") in said(reading)


def test_blank_lines_before_the_header_still_count_in_line_numbers():
    data = "\r\n  \r\n" + GOLDEN.replace("group:safety,scanning,", "group:safety,safe-lifting,")
    assert unreadable(data.encode()).params == {"id": "safe-lifting", "first": 6, "second": 7}


def test_empty_paragraphs_of_an_editor_are_not_text():
    data = GOLDEN.replace('"<p>Wraps &amp; labels.</p>', '"<p>&nbsp;</p>\n<p>Wraps &amp; labels.'
                                                       '<br></p>\n<p> </p>')
    assert moodle.read(data.encode()).competencies == PROFILE.competencies
