"""The store's start-up shortcut: the schema's revision is read without importing Alembic."""

from __future__ import annotations

import subprocess
import sys

from alembic.script import ScriptDirectory

from specchain.store.engine import alembic_config, head_revision


def test_the_head_read_from_file_names_is_alembics_own_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_opening_an_up_to_date_store_does_not_import_alembic(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'work.sqlite3'}"
    probe = ("import sys; from specchain.store import open_store; open_store(sys.argv[1]); "
             "print(any(m == 'alembic' or m.startswith(('alembic.', 'mako')) for m in sys.modules))")
    first = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True"  # a new database is migrated with Alembic
    assert again.stdout.strip() == "False"  # an up-to-date one is opened without it
