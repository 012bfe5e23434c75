"""Every number in an address, a query string or a form is read one way, and none is a 500.

Routes with a number in their path are found in the URL map, so a new one is
tried here without being listed. Out of range or not a number: a 404 for a
path, a 422 for a query string or a form; in the one JSON error shape under
/api/, as a page elsewhere. The database never sees such a number, and when a
request does fail, the error page still renders (on PostgreSQL a failed
statement leaves the transaction aborted until it is rolled back).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.params import MAX_ID, IdConverter, int_field, whole_number
from tests.factories import moment, publish_profile, route_methods, sign_in_as, url_map

SHAPE = {"code", "error", "message", "details"}
# Numbers that name nothing, each written as someone might send it.
BAD_NUMBERS = {
    "huge": str(10**20),
    "too-large-for-32-bits": str(MAX_ID + 1),
    "negative": "-1",
    "zero": "0",
    "superscript-two": "²",
    "arabic-indic-three": "٣",
    "exponent": "1e3",
    "word": "abc",
}
CONVERTER = re.compile(r"<(\w+)(?:\([^)]*\))?:(\w+)>")
SAMPLES = {"slug": "store-associate", "key": "greet", "token": "x", "language": "es"}


def numbered_routes() -> list[tuple[str, str, str]]:
    """(method, rule, argument) for every route with a number in its path."""
    found = []
    for rule in url_map().iter_rules():
        for converter, name in CONVERTER.findall(rule.rule):
            if converter in {"id", "int", "float"}:
                found += [(method, rule.rule, name) for method in route_methods(rule)]
    return sorted(found)


def fill(rule: str, argument: str, value: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        return value if name == argument else SAMPLES[name]

    path = CONVERTER.sub(one, rule)
    return re.sub(r"<(\w+)>", lambda m: SAMPLES[m.group(1)], path)


@pytest.fixture
def everyone(app, org):
    """Signed in as someone who may reach every handler: an L&D admin who is also an author."""
    publish_profile(app)
    return sign_in_as(app, "Grace Okafor", ld_admin=True)


def send(api, method: str, path: str, **kw):
    headers = {"X-CSRFToken": api.csrf()} if method != "GET" else {}
    return api.client.open(path, method=method, headers=headers, **kw)


def test_routes_with_numbers_are_found():
    """The parametrization below is not empty, and finds each kind of route."""
    rules = {rule for _, rule, _ in numbered_routes()}
    assert "/api/v1/me/passkeys/<id:passkey_id>" in rules
    assert "/admin/invites/<id:invite_id>/revoke" in rules
    assert "/roles/<slug>/changes/<id:number>" in rules


def test_numbers_in_addresses_use_the_id_converter_only():
    """Werkzeug's int takes "٣" and 10**20, and float takes worse: routes use <id:...>."""
    offenders = [rule for _, rule, _ in numbered_routes()
                 if any(c in {"int", "float"} for c, _ in CONVERTER.findall(rule))]
    assert offenders == []


@pytest.mark.parametrize("label", sorted(BAD_NUMBERS))
@pytest.mark.parametrize(("method", "rule", "argument"), numbered_routes(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_a_number_outside_the_range_in_a_path_is_a_404(everyone, method, rule, argument, label):
    path = fill(rule, argument, BAD_NUMBERS[label])
    response = send(everyone, method, path)
    assert response.status_code == 404, (method, path, response.get_data(as_text=True)[:300])
    if path.startswith("/api/"):
        assert set(response.get_json()) == SHAPE
        assert response.get_json()["error"] == "not_found"
    else:
        assert response.mimetype == "text/html"
        assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "rule", "argument"), numbered_routes(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_the_largest_id_that_names_nothing_is_refused_not_a_500(everyone, method, rule,
                                                                 argument):
    path = fill(rule, argument, str(MAX_ID))
    response = send(everyone, method, path)
    assert response.status_code in (302, 404), (method, path, response.status_code)


def test_the_id_converter_reads_plain_digits_in_range_only():
    converter = IdConverter(url_map())
    assert converter.to_python("1") == 1
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_url(42) == "42"
    assert re.fullmatch(converter.regex, "0") is None
    assert re.fullmatch(converter.regex, "007") is None
    assert re.fullmatch(converter.regex, "²") is None


@pytest.mark.parametrize("raw", sorted(BAD_NUMBERS.values()) + ["", " 1", "+1", "1_000", "1.0"])
def test_whole_number_refuses_anything_but_plain_digits_in_range(raw):
    with pytest.raises(ValueError):
        whole_number(raw or "")


def test_int_field_gives_none_for_nothing_and_a_422_error_for_garbage():
    from engine.errors import InvalidInput

    assert int_field({}, "version") is None
    assert int_field({"version": ""}, "version") is None
    assert int_field({"version": "3"}, "version") == 3
    assert int_field({"days": "30"}, "days", high=30) == 30
    with pytest.raises(InvalidInput) as refused:
        int_field({"days": "31"}, "days", high=30)
    assert refused.value.params == {"name": "days", "low": 1, "high": 30}
    assert refused.value.details["fields"][0]["field"] == "days"


# Query strings --------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(BAD_NUMBERS))
def test_a_bad_version_in_a_page_query_string_is_a_422_page(everyone, label):
    response = everyone.get(f"/roles/store-associate?version={BAD_NUMBERS[label]}")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "must be a whole number from 1 to" in response.get_data(as_text=True)


@pytest.mark.parametrize("label", sorted(BAD_NUMBERS))
@pytest.mark.parametrize("path", [
    "/api/v1/roles/store-associate/profile?version={n}",
    "/api/v1/roles/store-associate/profile/diff?from=1&to={n}",
    "/api/v1/roles/store-associate/profile/diff?from={n}&to=1",
    "/api/v1/catalog/items/x?revision={n}",
])
def test_a_bad_number_in_an_api_query_string_is_a_422(everyone, path, label):
    response = everyone.get(path.format(n=BAD_NUMBERS[label]))
    body = response.get_json()
    assert response.status_code == 422, body
    assert set(body) == SHAPE and body["error"] == "invalid_request"
    assert body["details"]["fields"]


@pytest.mark.parametrize("query", ["", "?from=1", "?to=1", "?from=&to=1"])
def test_the_diff_needs_both_versions(everyone, query):
    response = everyone.get(f"/api/v1/roles/store-associate/profile/diff{query}")
    assert response.status_code == 422
    assert {f["field"] for f in response.get_json()["details"]["fields"]} <= {"from", "to"}


def test_an_unknown_query_argument_is_refused_not_dropped(everyone):
    response = everyone.get("/api/v1/roles/store-associate/profile?versoin=1")
    assert response.status_code == 422
    assert response.get_json()["details"]["fields"][0]["field"] == "versoin"


# Forms ----------------------------------------------------------------------------------


@pytest.fixture
def draft_desk(app, everyone):
    """Grace has a draft of store-associate open; returns her client."""
    everyone.client.post("/author/store-associate/draft", headers={"X-CSRFToken": everyone.csrf()})
    return everyone


@pytest.mark.parametrize("label", sorted(BAD_NUMBERS))
@pytest.mark.parametrize(("path", "fields"), [
    ("/author/store-associate/draft/move", {"key": "greet", "action": "down"}),
    ("/author/store-associate/draft/publish", {"summary": "Clearer levels."}),
    ("/author/store-associate/draft/competency/greet", {
        "name": "Greeting", "group": "Customers", "target": "3", "importance": "3",
        **{f"level_{n}": f"Level {n}." for n in range(1, 6)}}),
])
def test_a_bad_revision_in_an_authors_form_is_a_422_page(draft_desk, path, fields, label):
    response = draft_desk.client.post(path, data={
        **fields, "revision": BAD_NUMBERS[label], "csrf_token": draft_desk.csrf()})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html"
    assert "&#39;revision&#39; must be a whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("label", sorted(BAD_NUMBERS))
def test_a_bad_person_in_the_nominate_form_is_a_422_page(app, everyone, label):
    from pwa.models import Role

    with app.app_context():
        role_id = db.session.scalar(sa.select(Role.id).where(Role.slug == "store-associate"))
    response = everyone.client.post("/admin/authors/store-associate", data={
        f"r{role_id}-person": BAD_NUMBERS[label], "csrf_token": everyone.csrf()})
    assert response.status_code == 422
    assert response.mimetype == "text/html"


# When a request fails in the database anyway -------------------------------------------


def broken_routes(app):
    """Routes that fail in the database without touching the person first."""

    def bad_sql():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    def huge_id():
        from pwa.models import Person

        db.session.get(Person, 10**20)

    for prefix in ("", "/api"):  # not /api/v1: they are no operation of the document
        app.add_url_rule(f"{prefix}/test/bad-sql", f"bad_sql{prefix}", bad_sql)
        app.add_url_rule(f"{prefix}/test/huge-id", f"huge_id{prefix}", huge_id)


@pytest.mark.parametrize("what", ["bad-sql", "huge-id"])
def test_the_error_page_renders_after_a_failed_statement(app, org, what):
    """On PostgreSQL, without a rollback the page's own queries fail and nobody sees a page."""
    broken_routes(app)
    api = sign_in_as(app, "Ana Ruiz")
    page = api.get(f"/test/{what}")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html", html[:300]
    assert "Something went wrong" in html
    assert 'class="who-name">Ana Ruiz<' in html  # the person was loaded after the failure
    answer = api.get(f"/api/test/{what}")
    assert answer.status_code == 500
    assert answer.get_json()["error"] == "internal_error"
    assert api.get("/api/v1/me").status_code == 200  # the next request is fine too


# Text with a NUL character ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/roles/a%00b", "/roles/store-associate/changes/1%00",
                                  "/api/v1/roles/%00/profile", "/api/v1/catalog/items/%00",
                                  "/enrol/%00"])
def test_a_nul_in_a_path_is_a_404(everyone, path):
    assert everyone.get(path).status_code == 404


@pytest.mark.parametrize("query", ["q=%00", "format=course%00", "role=a%00"])
def test_a_nul_in_a_page_query_is_a_422_page(everyone, query):
    response = everyone.get(f"/admin/catalogue?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "not text (U+0000)" in response.get_data(as_text=True)


def test_a_nul_in_a_page_form_is_a_422_page(everyone):
    response = everyone.client.post("/roles/store-associate/feedback", data={
        "kind": "unclear", "text": "Level\x00 3", "csrf_token": everyone.csrf()})
    assert response.status_code == 422 and response.mimetype == "text/html"


@pytest.mark.parametrize("query", ["competency=%00", "competency=store-associate/%00greet"])
def test_a_nul_in_an_api_query_is_a_422(everyone, query):
    body = everyone.get(f"/api/v1/catalog?{query}").get_json()
    assert body["code"] == 422 and body["details"]["fields"][0]["field"] == "competency"


@pytest.mark.parametrize("field", ["role", "competency", "kind", "text"])
def test_a_nul_in_a_json_field_is_a_422(everyone, field):
    note = {"role": "store-associate", "competency": "greet", "kind": "unclear", "text": "Hi."}
    response = everyone.post("/api/v1/feedback", {**note, field: note[field] + "\x00"})
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["details"]["fields"][0]["field"] == field


def test_a_nul_in_a_passkey_challenge_is_a_400(api):
    import base64
    import json

    client_data = base64.urlsafe_b64encode(json.dumps({"challenge": "ab\x00c"}).encode()).decode()
    response = api.post("/api/v1/auth/login/verify",
                        {"credential": {"response": {"clientDataJSON": client_data.rstrip("=")}}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_credential"


@pytest.mark.parametrize("event_type", ["rating.set", "assessment.submitted"])
def test_a_version_out_of_range_in_a_synced_event_is_refused_not_a_500(everyone, event_type):
    import uuid

    data = {"role": "store-associate", "version": 10**20}
    if event_type == "rating.set":
        data |= {"competency": "greet", "level": 3, "note": None}
    event = {"id": str(uuid.uuid4()), "type": event_type, "schema": 1,
             "occurred_at": moment(30), "device_id": "phone-1", "data": data}
    answer = everyone.post("/api/v1/sync", {"events": [event]})
    assert answer.status_code == 200, answer.get_json()
    # Beyond 64 bits no number is storable at all; below, no version is that large.
    assert [r["code"] for r in answer.get_json()["refused"]] == ["invalid_value"]
