"""`flask` commands: demo data, users, and (from the content modules) cases and plans."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services.people import accounts

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--academy", "academy_slug", default=None, help="Academy slug for --role.")
@click.option("--site-admin", is_flag=True, help="May administer every academy.")
@click.password_option()
def create_user(email, display_name, role, academy_slug, site_admin, password):
    """Create a user, optionally with a role in an academy."""
    if bool(role) != bool(academy_slug):
        raise click.UsageError("--role and --academy go together.")
    try:
        user = accounts.create_user(email, display_name, password, site_admin=site_admin)
        if role:
            academy = accounts.academy_by_slug(academy_slug)
            if academy is None:
                raise accounts.AccountError(f"No academy with the slug {academy_slug!r}.")
            accounts.add_membership(user, academy, Role(role))
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Created {user.email}" + (f" ({role} in {academy_slug})" if role else ""))


@click.command("demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Do not print the demo logins.")
@click.option("--force", is_flag=True, help="Load the demo even where real users exist.")
def demo(quiet, force):
    """Load the demo academy, demo accounts and the content bank (safe to run twice).

    The demo's passwords and invitation code are public: on a database with real users it
    refuses to run unless given --force.
    """
    from quizapp.services.academy import demo as demo_data
    from quizapp.services.academy.demo_cohort import seed_demo_activity

    others = demo_data.other_users()
    if others and not force:
        raise click.ClickException(
            f"This database has {others} user(s) outside the demo academy: the demo's public "
            "passwords and invitation code do not belong there. Use --force to load it anyway."
        )
    demo_accounts = demo_data.seed_demo()
    invitation = accounts.find_invitation(demo_data.DEMO_INVITE_CODE)
    report = _import_bank()
    seed_demo_activity()  # needs the bank: its trainees study the published content
    expires = f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    db.session.commit()
    if quiet:
        return
    click.echo(report)
    click.echo("Demo logins:")
    for account in demo_accounts:
        click.echo(f"  {account.role.value:<9} {account.email:<30} {account.password}")
    click.echo(f"Trainee invitation code: {demo_data.DEMO_INVITE_CODE} (until {expires})")


academies_cli = AppGroup("academies", help="Create, list, rename and deactivate academies.")


def _academy_command(change):
    """Run a change to academies; an AcademyError is a clean message and nothing is written."""
    from quizapp.services.academy.academies import AcademyError

    try:
        result = change()
    except AcademyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    return result


@academies_cli.command("create")
@click.option("--name", required=True)
@click.option("--slug", required=True, help="Lowercase letters, digits and hyphens.")
@click.option("--admin-email", default=None, help="Bind the first admin's invitation to it.")
def create_academy(name, slug, admin_email):
    """Create an academy and an invitation for its first admin (single use, 14 days)."""
    from quizapp.services.academy import academies

    def change():
        academy = academies.create(name, slug, None)
        return academy, academies.invite_admin(academy, None, email=admin_email)

    academy, invitation = _academy_command(change)
    click.echo(f"Created {academy.slug} ({academy.name}).")
    click.echo(f"First admin's invitation code: {invitation.code}")
    click.echo(f"  sign-up link: /signup?code={invitation.code}  (valid 14 days, one use)")


@academies_cli.command("list")
def list_academies():
    """Every academy: slug, state, active members and admins, name."""
    from quizapp.services.academy import academies

    for row in academies.listing():
        state = "active" if row.academy.active else "deactivated"
        click.echo(
            f"{row.academy.slug:<24} {state:<11} {row.members:>5} members "
            f"{row.admins:>3} admins  {row.academy.name}"
        )


@academies_cli.command("rename")
@click.argument("slug")
@click.argument("name")
def rename_academy(slug, name):
    """Give the academy SLUG a new NAME (the slug stays: it is in verification links)."""
    from quizapp.services.academy import academies

    _academy_command(lambda: academies.rename(academies.by_slug(slug), name, None))
    click.echo(f"Renamed {slug}.")


@academies_cli.command("deactivate")
@click.argument("slug")
def deactivate_academy(slug):
    """Close the academy SLUG: its members can no longer work or join there; nothing is deleted."""
    from quizapp.services.academy import academies

    _academy_command(lambda: academies.set_active(academies.by_slug(slug), False, None))
    click.echo(f"Deactivated {slug}.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(target):
    """Copy the embedded SQLite database to TARGET while the app runs (online backup).

    For PostgreSQL use pg_dump (see README); this command refuses other databases.
    """
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("flask backup copies SQLite only; use pg_dump for PostgreSQL.")
    source = sqlite3.connect(url.database)
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot even while requests write.
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    click.echo(f"Backed up {url.database} to {target}")


summaries_cli = AppGroup("summaries", help="The summaries written with each attempt.")


@summaries_cli.command("rebuild")
@click.option("--academy", "academy_slug", default=None, help="Only this academy (its slug).")
def rebuild_summaries(academy_slug):
    """Recompute the summary tables from the attempts (after a migration, a bulk load or a
    content change made outside the application), and score the logbook entries again (after
    a change of the scoring engine or the catalogue); reports and dashboards read them at once."""
    from quizapp.services.academy import academies
    from quizapp.services.learning import summaries
    from quizapp.services.portfolio import practice

    academy_id = None
    if academy_slug is not None:
        academy_id = _academy_command(lambda: academies.by_slug(academy_slug)).id
    written = summaries.rebuild(academy_id)
    written["logbook_entries rescored"] = practice.rescore_entries(academy_id)
    db.session.commit()
    click.echo(", ".join(f"{table}: {n}" for table, n in written.items()))


def _import_bank() -> str:
    """Import cases/ and cases/modules/ into the database; returns a one-line summary."""
    from quizapp.services.authoring import content

    result = content.import_bank(current_app.config["CASES_DIR"])
    return result.summary()


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(academies_cli)
    app.cli.add_command(demo)
    app.cli.add_command(backup)
    app.cli.add_command(summaries_cli)
    from quizapp.content_cli import register_content_cli

    register_content_cli(app)
