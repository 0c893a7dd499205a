"""`streamlit run app.py`, with the app's modules loaded before the server answers its first request.

Run: python deploy/serve.py [streamlit run flags]      (or: python deploy/serve.py run app.py [flags])

A plain `streamlit run` imports the app's modules (the store's SQLAlchemy, the pydantic models, Jinja2, markdown-it,
the facts reader, Streamlit's emoji table for the page icon) during the first visitor's first page: 0.5–1 s that the
first person into the room waits for. Here they are imported before the server listens, so the server takes that
much longer to start and the first page is as quick as every other. Nothing runs but imports: the database is opened
by the first page, as with `streamlit run`, so a broken database is still reported on the page.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The modules a first page imports (the page scripts themselves are run by Streamlit, never imported).
FIRST_PAGE_MODULES = (
    "streamlit.emojis",
    "pages.shared",
    "pages.facts_panel",
    "pages.import_panel",
    "specchain.store",
    "specchain.facts.present",
    "specchain.drafting",
)


def preload(app_dir: Path) -> None:
    sys.path.insert(0, str(app_dir))
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)


def streamlit_arguments(arguments: list[str]) -> list[str]:
    """`run app.py` unless the caller named a command; the caller's flags after it."""
    if arguments and not arguments[0].startswith("-"):
        return arguments
    return ["run", "app.py", *arguments]


def main() -> None:
    if not Path("app.py").is_file():  # started from elsewhere: the app next to this file
        os.chdir(ROOT)  # Streamlit reads .streamlit/config.toml from the working folder
    preload(Path.cwd())
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *streamlit_arguments(sys.argv[1:])]
    streamlit_main()


if __name__ == "__main__":
    main()
