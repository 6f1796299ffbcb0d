"""The WebSocket tampering (engine/tamper.py) on Chainlit's frames, without a browser.

The fake route sides are tests/unit/test_socket_tamper.py's: what the page was handed,
what reached the server.
"""

from __future__ import annotations

from engine.recorder import WebSocketRecorder
from engine.tamper import SocketTamper
from targets.chainlit import PROFILE
from targets.chainlit.codec import ChainlitCodec
from tests.unit.test_socket_tamper import FakeSide


def test_a_silenced_run_stays_silent_for_the_products_bookkeeping_but_the_connection_stays_alive() -> None:
    # Chainlit's task_end and an answer sent whole are no run events, but they would end a silenced run
    # on the page (a finding for the wrong reason); its engine.io pings keep the connection alive.
    recorder = WebSocketRecorder(codec=ChainlitCodec(), rules=PROFILE.rules)
    tamper = SocketTamper(recorder, ChainlitCodec())
    page, server = FakeSide(), FakeSide()
    connection = tamper.open_connection("ws://app/ws/socket.io/", page, server)
    tamper.drop_server_frames(after_event="agent_started")
    tamper.from_page(connection, '42["client_message",{"message":{"id":"u1","type":"user_message",'
                                 '"output":"What is 2 + 2?","name":"qa"}}]')
    run = '{"id":"r1","type":"run","name":"on_message","parentId":"u1","threadId":"t1","end":null}'

    for frame in ('42["task_start",{}]', f'42["new_message",{run}]', "2", '42["task_end",{}]'):
        tamper.from_server(connection, frame)

    assert page.sent == ['42["task_start",{}]', f'42["new_message",{run}]', "2"]
