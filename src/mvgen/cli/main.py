"""The ``mvgen`` command: parses options and calls the library, nothing more."""

from __future__ import annotations

import typer

from mvgen.cli.make import make

app = typer.Typer(help="mvgen: music videos from a song and images.", no_args_is_help=True)
app.command(name="make")(make)


@app.callback()
def _root() -> None:
    """mvgen: music videos from a song and images (make, serve, worker, keys)."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
