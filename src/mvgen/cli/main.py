"""The ``mvgen`` command: parses options and calls the library, nothing more."""

from __future__ import annotations

import typer

from mvgen.cli.keys import keys_app
from mvgen.cli.make import make
from mvgen.cli.serve import serve
from mvgen.cli.sweep import sweep
from mvgen.cli.worker import worker

app = typer.Typer(help="mvgen: music videos from a song and images.", no_args_is_help=True)
app.command(name="make")(make)
app.command(name="serve")(serve)
app.command(name="worker")(worker)
app.command(name="sweep")(sweep)
app.add_typer(keys_app, name="keys")


@app.callback()
def _root() -> None:
    """mvgen: music videos from a song and images (make, serve, worker, sweep, keys)."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
