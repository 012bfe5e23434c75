"""Language tags: one shape and one spelling for an offer's languages and a learner's."""

from __future__ import annotations

import pytest

from engine import languages
from engine.sync import Refused


@pytest.mark.parametrize(("typed", "stored"), [
    ("en", "en"), ("ES", "es"), ("es-mx", "es-MX"), ("pt-br", "pt-BR"), ("RO", "ro"),
    ("zh-Hant-TW", "zh-Hant-TW"), ("es-419", "es-419"), ("fil", "fil"),
])
def test_a_tag_is_spelt_language_lower_region_upper(typed, stored):
    assert languages.tag(typed) == stored


@pytest.mark.parametrize(("tag", "primary"), [("en", "en"), ("en-US", "en"), ("PT-BR", "pt")])
def test_people_share_a_language_by_its_primary_subtag(tag, primary):
    assert languages.language(tag) == primary


def reason(value):
    with pytest.raises(Refused) as refused:
        languages.tag(value)
    assert refused.value.refusal.code == "invalid_data"
    return refused.value.refusal.message


@pytest.mark.parametrize("typed", ["English", "e", "en_US", "en-", "-en", "en--us", "e n",
                                   "en-123456789", "español", "１２", "ｅｎ", "12"])
def test_what_a_person_typed_that_is_no_tag_is_quoted_back(typed):
    assert reason(typed) == f"'{typed}' is not a language tag such as 'en', 'es' or 'pt-BR'."


@pytest.mark.parametrize("value", [
    "en\n",  # a trailing newline: the old ``$`` let it through
    "en\u202e", "\u200ben", "en\x00", "\ud800", "", "   ", None, 7, True, ["en"], {"en": 1},
])
def test_what_is_no_text_or_not_printable_is_described_not_quoted(value):
    assert reason(value) == "A language is a tag such as 'en', 'es' or 'pt-BR'."


def test_a_huge_string_is_refused_by_its_length_alone():
    assert reason("en-" + "a" * 10_000) == ("A language tag is at most 35 characters, such as "
                                            "'en' or 'pt-BR'.")
    assert languages.tag("en-" + "-".join(["abcdefgh"] * 3) + "-x") == \
        "en-abcdefgh-abcdefgh-abcdefgh-x"  # 32 characters: still a tag
