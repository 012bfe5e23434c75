"""Command-line tools: ``flask --app pwa invite create`` and ``seed-demo``."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from engine.errors import DomainError
from pwa import clock
from pwa.extensions import db
from pwa.store import invites, people

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
    from pwa.jobs import jobs_cli
    from pwa.jobs.fitting import practice_cli
    from pwa.jobs.mentors import mentors_cli
    from pwa.jobs.plans import plans_cli
    from pwa.jobs.push import push_cli
    from pwa.jobs.releases import releases_cli
    from pwa.jobs.reminders import reminders_cli
    from pwa.vapid import vapid_cli

    return [invite_cli, seed_demo_command, jobs_cli, mentors_cli, plans_cli, practice_cli,
            push_cli, releases_cli, reminders_cli, vapid_cli]


GROUPS = _groups()
