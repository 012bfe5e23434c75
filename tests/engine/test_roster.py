"""Golden tests of the roster rules, written from the rules in engine/roster.py's docstring."""

from __future__ import annotations

import pytest

from engine import roster
from engine.errors import InvalidInput

ROLES = [roster.RoleRef(1, "store-associate", "Store associate"),
         roster.RoleRef(2, "warehouse-picker", "Warehouse picker"),
         roster.RoleRef(3, "shift-lead", "Shift lead")]
HEADER = "name,role,site,external_id,future_role,language\n"


def errors(parsed_or_plan):
    return [(e.line, e.column, e.message) for e in parsed_or_plan.errors]


def test_a_clean_file_with_bom_crlf_spaces_and_columns_in_any_order():
    text = ("\ufeffExternal ID ; Name ; Role ; Site ; Language\r\n"
            " E1 ;  Ana   Ruiz ; store-associate ; Leeds  Kirkstall ; ES-mx\r\n"
            "\r\n"
            "E2;Ben Ode;Warehouse picker;Depot 4;\r\n")
    parsed = roster.parse(text)
    assert errors(parsed) == []
    assert parsed.rows == (
        roster.Row(2, "E1", "Ana Ruiz", "store-associate", "Leeds Kirkstall", None, "es-MX"),
        roster.Row(4, "E2", "Ben Ode", "Warehouse picker", "Depot 4", None, None))
    assert parsed.mentioned == {"E1", "E2"} and parsed.lines == 2
    assert parsed.ignored_columns == ()


def test_extra_columns_are_listed_and_not_read():
    parsed = roster.parse("name,role,site,external_id,Cost centre\nAna,store-associate,A,E1,77\n")
    assert parsed.ignored_columns == ("cost_centre",) and len(parsed.rows) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("", "The file is empty."),
    ("name,role,site\nAna,store-associate,Leeds\n",
     "The first line must name the columns; external_id is missing. The columns are name, "
     "role, site, external_id, and optionally future_role and language."),
    ("name,role,site,external_id,name\n", "The column name is named twice."),
])
def test_a_header_that_cannot_be_used_is_one_error_on_line_1(text, expected):
    parsed = roster.parse(text)
    assert errors(parsed) == [(1, None, expected)] and parsed.rows == ()


def test_bad_cells_are_reported_by_line_and_column_and_the_rest_is_read():
    text = (HEADER
            + "Ana Ruiz,store-associate,Leeds,E1,,\n"          # 2 fine
            + "Ben\x07Ode,store-associate,Leeds,E2,,\n"        # 3 control character
            + ",store-associate,Leeds,E3,,\n"                  # 4 empty name
            + "Cy Lane,store-associate," + "x" * 81 + ",E4,,\n"  # 5 site too long
            + "Dee Fox,store-associate,Leeds,E5,,xx-12345\n"     # 6 not a tag
            + "Eve \u202eEvil,store-associate,Leeds,E6,,\n"    # 7 direction override
            + "Fay Gold,store-associate,Leeds,,,\n"            # 8 no external id
            + "Gus Hale,store-associate,Leeds,E7,,zz\n")       # 9 unknown language
    parsed = roster.parse(text, frozenset({"en", "es"}))
    assert errors(parsed) == [
        (3, "name", "This cell holds a character that cannot be shown (U+0007)."),
        (4, "name", "This cell is empty, and it is needed."),
        (5, "site", "This cell can hold at most 80 characters."),
        (6, "language", "'xx-12345' is not a language tag such as en, es-MX or pt-BR."),
        (7, "name", "This cell holds a character that cannot be shown (U+202E)."),
        (8, "external_id", "This cell is empty, and it is needed."),
        (9, "language", "'zz' is not a language tag such as en, es-MX or pt-BR."),
    ]
    assert [r.external_id for r in parsed.rows] == ["E1"]
    # every readable id protects its person; line 8's could be anyone's
    assert parsed.mentioned == {"E1", "E2", "E3", "E4", "E5", "E6", "E7"}
    assert parsed.unreadable_ids == 1


def test_every_line_of_a_duplicated_external_id_is_an_error_and_none_is_used():
    text = (HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n"
            "Ben Ode,store-associate,York,E2,,\n"
            "Ana Ruiz,store-associate,York,E1,,\n"
            "Ann Ruiz,store-associate,Hull,E1,,\n")
    parsed = roster.parse(text)
    assert errors(parsed) == [
        (2, "external_id", "The external id 'E1' is also on line 4, 5: none of these lines is "
                           "used."),
        (4, "external_id", "The external id 'E1' is also on line 2, 5: none of these lines is "
                           "used."),
        (5, "external_id", "The external id 'E1' is also on line 2, 4: none of these lines is "
                           "used."),
    ]
    assert [r.external_id for r in parsed.rows] == ["E2"]


def test_line_numbers_count_physical_lines_past_a_quoted_newline():
    text = HEADER + '"Ana\nRuiz",store-associate,Leeds,E1,,\nBen,nobody,Leeds,E2,,\n'
    parsed = roster.parse(text)
    assert errors(parsed)[0] == (
        2, "name", "This cell holds a character that cannot be shown (U+000A).")
    assert [r.line for r in parsed.rows] == [4]


def test_language_tags_are_normalised():
    text = HEADER + "".join(f"P{i},store-associate,S,E{i},,{tag}\n"
                            for i, tag in enumerate(["en", "PT-br", "es-419", "zh-hant-tw",
                                                     "sr_Latn"]))
    assert [r.language for r in roster.parse(text).rows] == [
        "en", "pt-BR", "es-419", "zh-Hant-TW", "sr-Latn"]


def test_decode_takes_utf8_with_or_without_bom_and_names_the_line_of_a_bad_byte():
    assert roster.decode("\ufeffname\nZoë\n".encode()) == "name\nZoë\n"
    with pytest.raises(InvalidInput) as caught:
        roster.decode(b"name\nok\nZo\xeb\n")
    assert caught.value.message == ('Line 3 is not UTF-8 text. Save the file as "CSV UTF-8" '
                                    'and try again.')


# plan -------------------------------------------------------------------------------------

def person(pid, ext, name="Ana Ruiz", role=1, site="Leeds", future=None, **kw):
    return roster.ExistingPerson(pid, ext, name, role, site, future, **kw)


def test_plan_creates_changes_leaves_alone_and_ends_leavers():
    text = (HEADER
            + "Ana Ruiz,store-associate,Leeds,E1,,\n"             # 2 unchanged
            + "Ben Ode,Shift lead,York,E2,,\n"                    # 3 moved role and site
            + "Cy Lane,warehouse-picker,Hull,E9,store-associate,es\n"  # 4 new
            + "Dee Fox,astronaut,Leeds,E4,,\n"                    # 5 unknown role
            + "Eve Hart,store-associate,Leeds,E5,store-associate,\n")  # 6 future = role
    existing = [person(11, "E1", has_account=True),
                person(12, "E2", "Ben Ode", role=1, site="Leeds", has_usable_invite=True),
                person(13, "E3", "Gone Person"),
                person(14, "E4", "Dee Fox"),
                person(15, "E5", "Eve Hart")]
    plan = roster.plan(roster.parse(text), existing, ROLES)
    assert plan.create == (roster.NewPerson(4, "E9", "Cy Lane", 2, "Hull", 1, "es"),)
    assert plan.change == (roster.Change(3, 12, "E2", ("role", "site"), "Ben Ode", 3, "York",
                                         None),)
    assert plan.unchanged == (11,)
    assert [p.id for p in plan.leavers] == [13]  # E4 and E5 are on bad lines: kept
    assert plan.invite == ()  # Ana enrolled, Ben holds a usable invite
    assert errors(plan) == [
        (5, "role", "There is no role 'astronaut'."),
        (6, "future_role", "The future role is the role itself; leave it empty or name "
                           "another role."),
    ]


def test_future_role_and_language_are_the_persons_after_creation():
    text = HEADER + "Ana Ruiz,store-associate,Leeds,E1,warehouse-picker,es\n"
    plan = roster.plan(roster.parse(text), [person(11, "E1", future=3)], ROLES)
    assert plan.change == () and plan.unchanged == (11,)


def test_a_move_onto_the_future_role_clears_it():
    text = HEADER + "Ana Ruiz,shift-lead,Leeds,E1,,\n"
    plan = roster.plan(roster.parse(text), [person(11, "E1", future=3)], ROLES)
    assert plan.change == (roster.Change(2, 11, "E1", ("role", "future_role"), "Ana Ruiz", 3,
                                         "Leeds", None),)


def test_people_without_an_account_or_a_usable_invite_are_invited_again():
    text = HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\nBen Ode,store-associate,Leeds,E2,,\n"
    plan = roster.plan(roster.parse(text), [person(11, "E1"), person(12, "E2", "Ben")], ROLES)
    assert plan.invite == (11, 12) and plan.unchanged == (11,)


def test_an_unreadable_external_id_holds_every_leaver_back():
    text = HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\nBen Ode,store-associate,Leeds,,,\n"
    plan = roster.plan(roster.parse(text), [person(11, "E1"), person(12, "E2", "Ben Ode")],
                       ROLES)
    assert plan.leavers == () and plan.leavers_held_back == 1


def test_never_leave_keeps_the_person_applying_the_file():
    plan = roster.plan(roster.parse(HEADER + "Ana,store-associate,Leeds,E1,,\n"),
                       [person(11, "E1", "Ana"), person(12, "E2")], ROLES,
                       never_leave=frozenset({12}))
    assert plan.leavers == ()


def test_the_same_file_against_what_it_made_is_all_unchanged_and_the_digest_follows_decisions():
    text = HEADER + "Ana Ruiz,store-associate,Leeds,E1,,\n"
    first = roster.plan(roster.parse(text), [], ROLES)
    again = roster.plan(roster.parse(text), [person(11, "E1", has_usable_invite=True)], ROLES)
    assert (len(first.create), again.create, again.change, again.invite) == (1, (), (), ())
    assert first.digest() == roster.plan(roster.parse(text), [], ROLES).digest()
    assert first.digest() != again.digest()
