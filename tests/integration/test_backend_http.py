"""The chat backend's HTTP side: health, configuration, pages and the thread API."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.integration.helpers import ChatSocket, RunningApp, sign_in


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _chat(app: RunningApp, token: str, *texts: str, thread_id: str | None = None) -> list[list[dict]]:
    """Send ``texts`` one run after another on one connection; the events of each run."""
    async def scenario() -> list[list[dict]]:
        chat = await ChatSocket.open(app.ws_url, token)
        runs, current_thread = [], thread_id
        for text in texts:
            await chat.ask(text, current_thread)
            runs.append(await chat.run_events())
            current_thread = runs[-1][0]["thread_id"]
        await chat.close()
        return runs

    return asyncio.run(scenario())


def test_health_reports_the_version_and_a_reachable_auth_service(app: RunningApp):
    response = httpx.get(f"{app.backend_url}/health")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["service"]) == ("ok", "backend") and body["version"]
    assert body["auth"] == {"url": app.auth_url, "reachable": True}


def test_config_names_the_real_ports(app: RunningApp):
    config = httpx.get(f"{app.backend_url}/config").json()

    assert config["auth_url"] == app.auth_url
    assert config["ws_url"] == app.backend_url.replace("http://", "ws://") + "/ws"
    assert config["watchdog_seconds"] == 30


def test_pages_are_served_uncached(app: RunningApp):
    for path in ("/login", "/chat", f"/chat/{uuid.uuid4().hex}"):
        response = httpx.get(f"{app.backend_url}{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-store"

    root = httpx.get(f"{app.backend_url}/")
    assert root.status_code in (302, 307) and root.headers["location"] == "/chat"


def test_faults_script_lists_no_fault_when_none_is_on(app: RunningApp):
    response = httpx.get(f"{app.backend_url}/static/faults.js")

    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.text.strip() == "window.APP_FAULTS = [];"


def test_a_chat_is_stored_as_a_thread_with_its_messages(app: RunningApp, access_token: str):
    first, second = _chat(app, access_token, "What is 17 * 23?", "And what is 2 + 2?")
    thread_id = first[0]["thread_id"]

    threads = httpx.get(f"{app.backend_url}/api/threads", headers=_bearer(access_token)).json()
    messages = httpx.get(f"{app.backend_url}/api/threads/{thread_id}/messages",
                         headers=_bearer(access_token)).json()

    assert second[0]["thread_id"] == thread_id
    assert threads[0]["id"] == thread_id and threads[0]["title"] == "What is 17 * 23?"
    assert {"created_at", "updated_at"} <= threads[0].keys()
    assert [(m["role"], m["text"], m["status"]) for m in messages] == [
        ("user", "What is 17 * 23?", "complete"),
        ("assistant", "The answer is 391.", "complete"),
        ("user", "And what is 2 + 2?", "complete"),
        ("assistant", "The answer is 4.", "complete"),
    ]
    assert messages[1]["run_id"] == first[0]["run_id"] and messages[0]["run_id"] is None


def test_a_failed_run_is_stored_as_an_error(app: RunningApp, access_token: str):
    (run,) = _chat(app, access_token, "What is 5 % 0?")

    messages = httpx.get(f"{app.backend_url}/api/threads/{run[0]['thread_id']}/messages",
                         headers=_bearer(access_token)).json()

    assert messages[-1]["status"] == "error" and messages[-1]["text"] == run[-1]["message"]


def test_a_long_first_message_gives_a_shortened_title(app: RunningApp, access_token: str):
    text = "Please count the words of this rather long message " + "and more words " * 10
    (run,) = _chat(app, access_token, text)

    threads = httpx.get(f"{app.backend_url}/api/threads", headers=_bearer(access_token)).json()
    title = next(thread["title"] for thread in threads if thread["id"] == run[0]["thread_id"])

    assert len(title) <= 60 and title.endswith("…") and text.startswith(title[:-1])


def test_html_and_sql_are_stored_and_returned_verbatim(app: RunningApp, access_token: str):
    text = "<script>alert('x')</script><b>bold</b> Robert'); DROP TABLE messages;-- \"quoted\" & 1 + 1"
    (run,) = _chat(app, access_token, text)

    messages = httpx.get(f"{app.backend_url}/api/threads/{run[0]['thread_id']}/messages",
                         headers=_bearer(access_token)).json()

    assert messages[0]["text"] == text
    assert run[-1]["final_response"] == "The answer is 2."


def test_thread_api_needs_an_access_token(app: RunningApp):
    refresh_token = sign_in(app, app.email, app.password)["refresh_token"]

    for headers in ({}, _bearer("junk"), _bearer(refresh_token)):
        assert httpx.get(f"{app.backend_url}/api/threads", headers=headers).status_code == 401


def test_another_users_thread_is_not_found(app: RunningApp, access_token: str, make_user):
    (run,) = _chat(app, access_token, "What is 3 * 3?")
    other_token = sign_in(app, *make_user())["access_token"]

    response = httpx.get(f"{app.backend_url}/api/threads/{run[0]['thread_id']}/messages",
                         headers=_bearer(other_token))
    other_threads = httpx.get(f"{app.backend_url}/api/threads", headers=_bearer(other_token)).json()

    assert response.status_code == 404
    assert other_threads == []


def test_another_users_thread_cannot_be_written_to(app: RunningApp, access_token: str, make_user):
    (run,) = _chat(app, access_token, "What is 4 * 4?")
    other_token = sign_in(app, *make_user())["access_token"]

    async def scenario() -> dict:
        chat = await ChatSocket.open(app.ws_url, other_token)
        await chat.ask("Hello", run[0]["thread_id"])
        answer = await chat.next_frame()
        await chat.close()
        return answer

    assert asyncio.run(scenario())["code"] == "INVALID_MESSAGE"
