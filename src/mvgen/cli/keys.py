"""``mvgen keys create NAME --credits N | list | revoke NAME | grant NAME N``.

Tokens are printed once, at creation; only their hash is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mvgen.settings import Settings
    from mvgen.store.db import Database

keys_app = typer.Typer(help="API keys and their credits.", no_args_is_help=True)


def _db() -> tuple[Database, Settings]:
    """The installation's database (migrated) and settings; imported late to keep --help fast."""
    from mvgen.settings import Settings
    from mvgen.store.db import open_database

    settings = Settings()
    return open_database(settings, run_migrations=True), settings


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A unique name for the key's owner.")],
    credits: Annotated[
        int, typer.Option(help="Credits to start with (1 per second of audio).")
    ] = 0,
) -> None:
    """Create a key and print its token (shown only this once)."""
    from mvgen import service
    from mvgen.errors import InputError

    db, settings = _db()
    try:
        key, token = service.create_key(db, settings, name, credits)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(f"created key {key.name} (creator_id {key.id}) with {key.credits} credits")
    typer.echo(token)


@keys_app.command("list")
def list_() -> None:
    """List keys: name, creator id, credits, revoked."""
    from mvgen import service

    db, _ = _db()
    try:
        rows = service.list_keys(db)
    finally:
        db.dispose()
    for key in rows:
        status = "revoked" if key.revoked else "active"
        typer.echo(f"{key.name}\t{key.id}\t{key.credits}\t{status}")


@keys_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="Name of the key.")]) -> None:
    """Revoke a key: its token is refused from now on (its tasks stay)."""
    from mvgen import service

    db, _ = _db()
    try:
        done = service.revoke_key(db, name)
    finally:
        db.dispose()
    if not done:
        typer.echo(f"error: no active key named {name!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {name}")


@keys_app.command("grant")
def grant(
    name: Annotated[str, typer.Argument(help="Name of the key.")],
    credits: Annotated[int, typer.Argument(help="Credits to add (negative to take).")],
) -> None:
    """Add credits to a key."""
    from mvgen import service
    from mvgen.errors import InputError

    db, _ = _db()
    try:
        key = service.grant_credits(db, name, credits)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(f"{key.name}: {key.credits} credits")
