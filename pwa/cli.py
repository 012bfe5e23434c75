"""Command-line tools: ``flask --app pwa invite create``, ``people import`` and ``seed-demo``."""

from __future__ import annotations

import csv
import io
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from engine import roster as roster_rules
from engine.errors import DomainError
from pwa import clock
from pwa.extensions import db
from pwa.store import invites, people, roster

invite_cli = AppGroup("invite", help="Create one-time enrolment links.")


@invite_cli.command("create")
@click.option("--name", required=True, help="The person's display name.")
@click.option("--role", "role_slug", required=True, help="Their job role's slug.")
@click.option("--ld-admin", is_flag=True, help="Give them the L&D admin permission.")
@click.option("--days", type=int, default=None, help="Days until the link expires (default 7).")
@click.option("--org", "org_slug", default=None, help="Organisation slug, if there are several.")
@click.option("--time-zone", default="UTC", show_default=True,
              help="IANA time zone for a new person.")
@click.option("--locale", default="en", show_default=True, help="Language tag for a new person.")
def create_invite_command(
    name: str, role_slug: str, ld_admin: bool, days: int | None, org_slug: str | None,
    time_zone: str, locale: str,
) -> None:
    """Create the person if needed and print their one-time invite link."""
    try:
        org = people.the_organisation(org_slug)
        role = people.role_by_slug(org, role_slug)
        person, created = people.ensure_person(
            org, name, role, ld_admin=ld_admin, time_zone=time_zone, locale=locale
        )
        invite, token = invites.create_invite(person, clock.now(), ttl_days=days)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{'Created' if created else 'Found'} {person.display_name} ({role.name}).")
    click.echo(f"Invite link (works once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC):")
    click.echo(invites.invite_link(token))


people_cli = AppGroup("people", help="Bring in people from an HR system's CSV file.")


@people_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--apply", "apply_", is_flag=True,
              help="Apply the file (without it, only show what it would do).")
@click.option("--org", "org_slug", default=None, help="Organisation slug, if there are several.")
@click.option("--days", type=int, default=None, help="Days until new invites expire (default 7).")
@click.option("--invites", "invites_out", type=click.File("w", encoding="utf-8"), default=None,
              help="With --apply: write the new invite links to this file as CSV (external_id, "
                   "name, site, link) instead of printing them. They are shown only once.")
def import_people_command(file: Any, apply_: bool, org_slug: str | None, days: int | None,
                          invites_out: Any) -> None:
    """Preview (default) or apply a roster: name, role, site, external_id, future_role, language.

    Errors are printed with their line numbers; a bad line stops nothing else.
    """
    from pwa.sync.export import delete_person

    try:
        org = people.the_organisation(org_slug)
        text = roster_rules.decode(file.read())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    now = clock.now()
    parsed, plan = roster.preview(org.id, text, now)
    invited_existing = len(plan.invite)
    click.echo(f"{parsed.lines} lines read: {len(plan.create)} to create, {len(plan.change)} "
               f"to change, {len(plan.unchanged)} unchanged, {len(plan.leavers)} leavers, "
               f"{len(plan.errors)} errors.")
    if parsed.ignored_columns:
        click.echo("Columns not read: " + ", ".join(parsed.ignored_columns))
    for error in plan.errors:
        column = f" ({error.column})" if error.column else ""
        click.echo(f"  line {error.line}{column}: {error.message}", err=True)
    if plan.leavers_held_back:
        click.echo(f"{plan.leavers_held_back} people not in the file are kept: a line's "
                   "external id could not be read, and it could be theirs.")
    if not apply_:
        click.echo(f"Would invite {len(plan.create) + invited_existing} people. "
                   "Nothing was changed; add --apply to apply.")
        return
    try:
        done = roster.apply(org.id, plan, now, end_account=delete_person, ttl_days=days)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    if done.invited:
        links = io.StringIO()
        out = csv.writer(links)
        out.writerow(["external_id", "name", "site", "link"])
        for i in done.invited:
            out.writerow([i.external_id, i.name, i.site or "", invites.invite_link(i.token)])
        if invites_out is not None:
            invites_out.write(links.getvalue())
        else:
            click.echo(links.getvalue(), nl=False)
    if done.created or done.changed or done.ended:
        from pwa import jobs

        jobs.enqueue("plans.summarise_organisation", org.id)
        jobs.enqueue("mentors.reassign", org.id)
    click.echo(f"Applied: {done.created} created, {done.changed} changed, {done.ended} "
               f"ended, {len(done.invited)} invited.")


@click.command("seed-demo")
@click.option("--print-invites", is_flag=True,
              help="Also create and print invite links for a learner, an author and the L&D admin.")
@with_appcontext
def seed_demo_command(print_invites: bool) -> None:
    """Create (or complete) the demo organisation; safe to run again."""
    from pwa import demo

    summary = demo.seed()
    db.session.commit()
    click.echo(summary)
    if print_invites:
        for label, token in demo.invites_for_demo_people():
            click.echo(f"  {label}: {invites.invite_link(token)}")
        db.session.commit()


def _groups() -> list[Any]:
    from pwa.interchange.commands import profiles_cli
    from pwa.jobs import jobs_cli
    from pwa.jobs.fitting import practice_cli
    from pwa.jobs.mentors import mentors_cli
    from pwa.jobs.plans import plans_cli
    from pwa.jobs.push import push_cli
    from pwa.jobs.releases import releases_cli
    from pwa.jobs.reminders import reminders_cli
    from pwa.jobs.xapi import xapi_cli
    from pwa.vapid import vapid_cli

    return [invite_cli, people_cli, seed_demo_command, jobs_cli, mentors_cli, plans_cli,
            practice_cli, profiles_cli, push_cli, releases_cli, reminders_cli, vapid_cli,
            xapi_cli]


GROUPS = _groups()
