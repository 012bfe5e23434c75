"""The mentor jobs: what changed decided again (after a sync), or a whole organisation (the
command, a nightly run, an HR file applied)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation
from pwa.store import mentors


def assign_changes(organisation_id: int) -> int:
    """Decide again what the organisation's changes since the last run can affect.

    One job per organisation, merged while it waits (``pwa.jobs``); the changes are
    rows, so however many syncs asked for it, one run takes them all.
    """
    return mentors.assign_changes(organisation_id, clock.now())


def assign_organisation(organisation_id: int) -> int:
    """Replace the organisation's suggested mentors with a fresh global assignment."""
    return mentors.reassign(organisation_id, clock.now())


mentors_cli = AppGroup("mentors", help="Peer mentors.")


@mentors_cli.command("assign")
def assign_command() -> None:
    """Assign suggested mentors again in every organisation, as a whole (run it nightly:
    the runs after each sync keep every suggestion valid, this one makes the most of
    everyone's places again)."""
    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        count = assign_organisation(org.id)
        db.session.commit()
        click.echo(f"{org.name}: {count} mentors suggested.")
