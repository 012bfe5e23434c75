"""``flask --app pwa profiles import FILE --format case --role SLUG`` and ``profiles export``."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from engine.errors import DomainError
from pwa import clock, interchange
from pwa.extensions import db
from pwa.store import people

profiles_cli = AppGroup("profiles", help="Move Success Profiles in and out of other systems.")
_FORMAT = click.option("--format", "key", required=True,
                       type=click.Choice(sorted(interchange.FORMATS)),
                       help="The file's format.")
_ROLE = click.option("--role", "role_slug", required=True, help="The job role's slug.")
_ORG = click.option("--org", "org_slug", default=None,
                    help="Organisation slug, if there are several.")


@profiles_cli.command("import")
@click.argument("file", type=click.File("rb"))
@_FORMAT
@_ROLE
@_ORG
def import_command(file: Any, key: str, role_slug: str, org_slug: str | None) -> None:
    """Make FILE the role's new draft, for its authors to complete and publish.

    Prints what did not map; nothing is published, and nothing is created if the file
    cannot be read or the role already has a draft.
    """
    try:
        role = people.role_by_slug(people.the_organisation(org_slug), role_slug)
        reading = interchange.FORMATS[key].read(file.read())
        draft = interchange.import_draft(role, reading, by=None, now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Draft {draft.number} of {role.name}: {len(reading.competencies)} "
               f"competencies, {len(reading.notes)} notes.")
    for note in reading.notes:
        click.echo(f"  {note.where}: {note.text}")


@profiles_cli.command("export")
@_FORMAT
@_ROLE
@_ORG
@click.option("-o", "--output", type=click.File("wb"), required=True,
              help="The file to write (- for standard output).")
def export_command(key: str, role_slug: str, org_slug: str | None, output: Any) -> None:
    """Write the role's current published version in the format."""
    try:
        role = people.role_by_slug(people.the_organisation(org_slug), role_slug)
        data, _ = interchange.export(role, key)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    output.write(data)
