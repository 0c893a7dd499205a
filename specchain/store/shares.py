"""Read-only share links: one per version, its own token, revocable.

A share token is an HMAC of the workspace token, so the workspace's owner can show the link again at any time while
the database keeps only its hash (like every token). Turning a link off and on again makes a new token
(`generation`), so a link that leaked stays dead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy import func, select, update

from specchain.records import RunRecord
from specchain.store.base import guarded, now_utc, token_hash
from specchain.store.checkpoints import RunStore
from specchain.store.errors import VersionNotFound, WorkspaceNotFound
from specchain.store.models import SharedVersion
from specchain.store.queue import QueueStore
from specchain.store.tables import share_links, versions


def share_token(workspace_token: str, version: int, generation: int) -> str:
    digest = hmac.new(workspace_token.encode(), f"share:{version}:{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 43 characters, the shape of every token


class Store(RunStore, QueueStore):
    """The whole store. Synchronous, thread-safe; every call is its own short transaction."""

    @guarded(writing=True)
    def create_share(self, token: str, version: int) -> str:
        """The version's read-only link token (the enabled one if there is one, else a new one)."""
        with self._write() as connection:
            row = self._workspace(connection, token, lock=True)
            if row is None:
                raise WorkspaceNotFound()
            version_id = connection.execute(select(versions.c.id).where(
                versions.c.workspace_id == row.id, versions.c.number == version)).scalar()
            if version_id is None:
                raise VersionNotFound(version)
            enabled = connection.execute(select(share_links.c.generation).where(
                share_links.c.version_id == version_id, share_links.c.enabled.is_(True))).scalar()
            if enabled is not None:
                return share_token(token, version, enabled)
            last = connection.execute(select(func.max(share_links.c.generation))
                                      .where(share_links.c.version_id == version_id)).scalar()
            generation = (last or 0) + 1
            link = share_token(token, version, generation)
            connection.execute(share_links.insert().values(
                token_hash=token_hash(link), workspace_id=row.id, version_id=version_id, generation=generation,
                enabled=True, created_at=now_utc()))
        return link

    @guarded(writing=False)
    def share_link(self, token: str, version: int) -> str | None:
        """The version's enabled share token, or None when it has none (or it was turned off)."""
        with self._read() as connection:
            row = self._workspace(connection, token)
            if row is None:
                return None
            generation = connection.execute(
                select(share_links.c.generation).join(versions, versions.c.id == share_links.c.version_id)
                .where(versions.c.workspace_id == row.id, versions.c.number == version,
                       share_links.c.enabled.is_(True))).scalar()
        return share_token(token, version, generation) if generation is not None else None

    @guarded(writing=True)
    def disable_share(self, token: str, version: int) -> bool:
        """Turn the version's link off; True when there was one."""
        with self._write() as connection:
            row = self._workspace(connection, token, lock=True)
            if row is None:
                return False
            version_ids = select(versions.c.id).where(versions.c.workspace_id == row.id, versions.c.number == version)
            done = connection.execute(update(share_links).where(
                share_links.c.version_id.in_(version_ids), share_links.c.enabled.is_(True)).values(enabled=False))
        return done.rowcount > 0

    @guarded(writing=False)
    def open_share(self, link: object) -> SharedVersion | None:
        """The shared version and its product name, or None for any link that opens nothing."""
        digest = token_hash(link)
        if digest is None:
            return None
        with self._read() as connection:
            text = connection.execute(
                select(versions.c.record_json).join(share_links, share_links.c.version_id == versions.c.id)
                .where(share_links.c.token_hash == digest, share_links.c.enabled.is_(True))).scalar()
        if text is None:
            return None
        record = RunRecord.model_validate_json(text)
        return SharedVersion(record, record.inputs.values.get("app_name", ""))
