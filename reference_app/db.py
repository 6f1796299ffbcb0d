"""Storage: users, chat threads and their messages (SQLAlchemy 2.0).

SQLite by default; the same code runs on PostgreSQL given a
``postgresql+psycopg://`` URL (install the ``postgres`` extra). The functions are
synchronous: async callers run them in a worker thread. They return plain frozen
records, never ORM objects, so nothing outlives its session by accident. Every
query is parameterised by SQLAlchemy; user text is stored exactly as given.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


def new_id() -> str:
    """A fresh public id: uuid4 as 32 hex digits."""
    return uuid.uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Message(Base):
    __tablename__ = "messages"

    # an increasing integer orders messages reliably even when two share a timestamp
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "user" or "assistant"
    text: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # "complete" or "error"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


@dataclass(frozen=True)
class UserRecord:
    id: str
    email: str
    password_hash: str


@dataclass(frozen=True)
class ThreadRecord:
    id: str
    user_id: str
    title: str
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class MessageRecord:
    id: str
    thread_id: str
    role: str
    text: str
    run_id: str | None
    status: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "text": self.text,
            "run_id": self.run_id,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
        }


def _user_record(row: User) -> UserRecord:
    return UserRecord(id=row.id, email=row.email, password_hash=row.password_hash)


def _thread_record(row: Thread) -> ThreadRecord:
    return ThreadRecord(id=row.id, user_id=row.user_id, title=row.title,
                        created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))


def _message_record(row: Message) -> MessageRecord:
    return MessageRecord(id=row.id, thread_id=row.thread_id, role=row.role, text=row.text,
                         run_id=row.run_id, status=row.status, created_at=as_utc(row.created_at))


def create_database_engine(url: str, *, sqlite_busy_timeout_seconds: float = 30) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode so readers never wait for the writer."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_seconds},
        # one shared connection, or every thread would see its own empty in-memory database
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Database:
    """The application's storage, one instance shared by both services."""

    def __init__(self, url: str, *, sqlite_busy_timeout_seconds: float = 30) -> None:
        self.engine = create_database_engine(url, sqlite_busy_timeout_seconds=sqlite_busy_timeout_seconds)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # --- users -------------------------------------------------------------------

    def upsert_user(self, email: str, password_hash: str) -> UserRecord:
        """Create the user, or set its password if the email is already known."""
        email = normalise_email(email)
        with self._session() as session:
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, password_hash=password_hash)
                session.add(user)
            else:
                user.password_hash = password_hash
            session.flush()
            return _user_record(user)

    def find_user_by_email(self, email: str) -> UserRecord | None:
        with self._session() as session:
            user = session.scalar(select(User).where(User.email == normalise_email(email)))
            return _user_record(user) if user else None

    def get_user(self, user_id: str) -> UserRecord | None:
        with self._session() as session:
            user = session.get(User, user_id)
            return _user_record(user) if user else None

    # --- threads and messages ----------------------------------------------------

    def create_thread(self, user_id: str, title: str) -> ThreadRecord:
        with self._session() as session:
            thread = Thread(user_id=user_id, title=title)
            session.add(thread)
            session.flush()
            return _thread_record(thread)

    def get_thread(self, user_id: str, thread_id: str) -> ThreadRecord | None:
        """The thread if it exists and belongs to ``user_id``; otherwise None."""
        with self._session() as session:
            thread = session.scalar(select(Thread).where(Thread.id == thread_id, Thread.user_id == user_id))
            return _thread_record(thread) if thread else None

    def list_threads(self, user_id: str) -> list[ThreadRecord]:
        """The user's threads, the most recently active first."""
        with self._session() as session:
            rows = session.scalars(
                select(Thread).where(Thread.user_id == user_id)
                .order_by(Thread.updated_at.desc(), Thread.created_at.desc())
            )
            return [_thread_record(row) for row in rows]

    def add_message(self, thread_id: str, *, role: str, text: str, run_id: str | None = None,
                    status: str = "complete") -> MessageRecord:
        with self._session() as session:
            message = Message(thread_id=thread_id, role=role, text=text, run_id=run_id, status=status)
            session.add(message)
            thread = session.get(Thread, thread_id)
            if thread is not None:
                thread.updated_at = utc_now()
            session.flush()
            return _message_record(message)

    def list_messages(self, thread_id: str, *, limit: int | None = None) -> list[MessageRecord]:
        """A thread's messages, oldest first; with ``limit``, only the newest ``limit`` of them."""
        with self._session() as session:
            query = select(Message).where(Message.thread_id == thread_id).order_by(Message.seq.desc())
            if limit is not None:
                query = query.limit(limit)
            rows = list(session.scalars(query))
            return [_message_record(row) for row in reversed(rows)]
