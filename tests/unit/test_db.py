"""Storage on an in-memory SQLite database (the same code takes a PostgreSQL URL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reference_app.db import Database


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    database.create_schema()
    yield database
    database.dispose()


def test_upsert_creates_then_updates_the_password_and_emails_ignore_case(db: Database):
    created = db.upsert_user("QA@Example.test ", "hash-1")
    updated = db.upsert_user("qa@example.test", "hash-2")

    assert created.id == updated.id and created.email == "qa@example.test"
    assert db.find_user_by_email("Qa@EXAMPLE.test").password_hash == "hash-2"  # type: ignore[union-attr]
    assert db.get_user(created.id) == updated


def test_threads_belong_to_their_user(db: Database):
    alice, bob = db.upsert_user("alice@example.test", "h"), db.upsert_user("bob@example.test", "h")
    thread = db.create_thread(alice.id, "Alice's chat")

    assert db.get_thread(alice.id, thread.id) == thread
    assert db.get_thread(bob.id, thread.id) is None
    assert db.list_threads(bob.id) == []


def test_messages_come_back_oldest_first_and_verbatim(db: Database):
    user = db.upsert_user("a@example.test", "h")
    thread = db.create_thread(user.id, "t")
    texts = ["'; DROP TABLE messages;--", "<script>alert(1)</script>", "third"]
    for text in texts:
        db.add_message(thread.id, role="user", text=text)

    assert [message.text for message in db.list_messages(thread.id)] == texts
    assert [message.text for message in db.list_messages(thread.id, limit=2)] == texts[1:]


def test_the_most_recently_active_thread_comes_first(db: Database):
    user = db.upsert_user("a@example.test", "h")
    older, newer = db.create_thread(user.id, "older"), db.create_thread(user.id, "newer")

    db.add_message(older.id, role="user", text="back to the older one")

    assert [thread.title for thread in db.list_threads(user.id)] == ["older", "newer"]
    assert newer.created_at.tzinfo is not None
