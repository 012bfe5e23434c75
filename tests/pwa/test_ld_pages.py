"""L&D pages at a new user's hands: the invite form, catalogue search and filters, retiring."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Item, Organisation, Person
from pwa.store import catalogue
from tests.factories import seed_catalogue, sign_in_as, token


def titles(html):
    return re.findall(r'<p class="row-title"><a href="/admin/catalogue/[^"]+">([^<]+)</a>', html)


def test_invite_without_a_role_is_a_field_error_and_keeps_the_name(app, org):
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/invites").get_data(as_text=True)
    roles = re.search(r'<select id="role".*?</select>', page, re.S).group(0)
    assert '<option value="">Choose a role</option>' in roles and "selected" not in roles
    answer = admin.client.post("/admin/invites", data={
        "csrf_token": token(page), "name": "Ben Ode", "role": "", "days": "7"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert re.search(r'<p class="field-error" id="role-error">This field is required.</p>', html)
    assert 'value="Ben Ode"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(Person).where(Person.display_name == "Ben Ode")) \
            is None


def test_catalogue_search_and_filters_combine_and_stay_in_the_query_string(app, org):
    seed_catalogue(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    everything = admin.get("/admin/catalogue").get_data(as_text=True)
    assert titles(everything) == ["Greeting well", "Pick paths", "Till basics"]
    assert "3 items" in everything and "Clear filters" not in everything

    by_role = admin.get("/admin/catalogue?role=warehouse-picker").get_data(as_text=True)
    assert titles(by_role) == ["Pick paths"]
    assert "1 item matches" in by_role and 'href="/admin/catalogue">Clear filters' in by_role
    assert '<option value="warehouse-picker" selected>' in by_role  # kept in the form

    assert titles(admin.get("/admin/catalogue?format=course").get_data(as_text=True)) == [
        "Pick paths", "Till basics"]
    both = admin.get("/admin/catalogue?format=course&role=store-associate").get_data(as_text=True)
    assert titles(both) == ["Till basics"]
    # words in the title or the summary, any case; combined with the other filters
    assert titles(admin.get("/admin/catalogue?q=CUSTOMER").get_data(as_text=True)) == [
        "Greeting well"]
    searched = admin.get("/admin/catalogue?q=till&format=course&role=store-associate")
    assert titles(searched.get_data(as_text=True)) == ["Till basics"]
    assert 'value="till"' in searched.get_data(as_text=True)
    none = admin.get("/admin/catalogue?q=forklift").get_data(as_text=True)
    assert titles(none) == [] and "0 items match" in none


def test_catalogue_search_is_literal_and_done_by_the_database(app, org):
    seed_catalogue(app)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        assert [r.title for r in catalogue.search(org_id, text="100%")] == ["Pick paths"]
        # a wildcard would match all three items
        assert [r.title for r in catalogue.search(org_id, text="%")] == ["Pick paths"]
        assert [r.title for r in catalogue.search(org_id, text="_")] == []


def test_invalid_filters_say_what_is_wrong_and_never_fail(app, org):
    seed_catalogue(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    for query, words in [("?format=podcast", "&#39;podcast&#39; is not a format."),
                         ("?role=astronaut", "There is no role &#39;astronaut&#39;."),
                         ("?q=" + "x" * 101, "Search for at most 100 characters.")]:
        answer = admin.get("/admin/catalogue" + query)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, query
        assert words in html, (query, html)
        assert titles(html) == [] and "Clear filters" in html


def test_retiring_asks_first_and_the_post_does_it(app, org):
    seed_catalogue(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    listing = admin.get("/admin/catalogue").get_data(as_text=True)
    # the list's Retire is a link to the question, not a button that acts at once
    assert '<a class="button small danger" href="/admin/catalogue/till-basics/retire"' in listing
    question = admin.get("/admin/catalogue/till-basics/retire")
    html = question.get_data(as_text=True)
    assert question.status_code == 200
    assert "<h1>Retire “Till basics”?</h1>" in html
    assert "Plans that hold it keep it, marked." in html
    assert 'href="/admin/catalogue">Cancel</a>' in html
    with app.app_context():
        assert db.session.scalar(sa.select(Item.retired_at).where(Item.key == "till-basics")) \
            is None  # asking changed nothing
    done = admin.client.post("/admin/catalogue/till-basics/retire",
                             data={"csrf_token": token(html)}, follow_redirects=True)
    assert "“Till basics” is retired: plans that hold it keep it, marked." in \
        done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Item.retired_at).where(Item.key == "till-basics")) \
            is not None
    assert admin.get("/admin/catalogue/nope/retire").status_code == 404
    learner = sign_in_as(app, "Ana Ruiz")
    assert learner.get("/admin/catalogue/till-basics/retire").status_code == 403
