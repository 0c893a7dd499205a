"""What every store operation shares: short transactions, error translation, tokens, JSON that keeps any text."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy import exc as sa_exc

from specchain.store.engine import READ
from specchain.store.errors import StoreError, translate
from specchain.store.tables import workspaces

P = ParamSpec("P")
T = TypeVar("T")

TOKEN_BYTES = 32  # 256 bits; secrets.token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: object) -> str | None:
    """The stored form of a token, or None when it can't be one of ours (then no query is made at all)."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def now_utc() -> datetime:
    return datetime.now(UTC)


def scrub(value: Any) -> Any:
    """Lone UTF-16 surrogates (a model can emit them as JSON escapes) can't be encoded: make them U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def dump_json(value: Any) -> str:
    """JSON text; NUL and other control characters become escapes, so PostgreSQL's text type accepts it."""
    if isinstance(value, BaseModel):
        try:
            return value.model_dump_json()
        except Exception:  # noqa: BLE001 - pydantic refuses lone surrogates; retry with them replaced
            return json.dumps(scrub(value.model_dump(mode="python")), ensure_ascii=False, default=str)
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return json.dumps(scrub(value), ensure_ascii=False)


def encode_text(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def decode_text(data: bytes | memoryview) -> str:
    return bytes(data).decode("utf-8", "surrogatepass")


def guarded(*, writing: bool) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Turn database exceptions into a StoreFault with a plain sentence (what failed, that nothing was lost)."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except StoreError:
                raise
            except (sa_exc.SQLAlchemyError, OSError) as error:
                raise translate(error, writing=writing) from error

        return wrapper

    return decorate


class StoreBase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Writers of this process queue here, handing over in microseconds;
        # left to SQLite's busy handler they would sleep in steps of up to 100 ms (50 people typing at once:
        # 12 s per flow instead of 4). Other processes still wait through the busy timeout.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection.execution_options(**READ)
            with connection.begin():
                yield connection

    @contextmanager
    def _write(self, *, expendable: bool = False) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite).

        expendable: a checkpoint, overwritten by the next one 2 s later. PostgreSQL then confirms the commit before
        flushing it to disk (a server crash could lose the last fraction of a second, never corrupt anything);
        SQLite in WAL mode with synchronous=NORMAL already commits that way.
        """
        with self._write_lock, self.engine.begin() as connection:
            if expendable and connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            yield connection

    @staticmethod
    def _workspace(connection: Connection, token: object, *, lock: bool = False) -> Row[Any] | None:
        digest = token_hash(token)
        if digest is None:
            return None
        query = select(workspaces).where(workspaces.c.token_hash == digest)
        if lock:
            query = query.with_for_update()  # PostgreSQL: version numbers and runs are allocated one at a time
        return connection.execute(query).first()

    def close(self) -> None:
        self.engine.dispose()
