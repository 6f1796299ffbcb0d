"""The reference app's own listening sockets: what asyncio (and so uvicorn) makes of their connections."""

from __future__ import annotations

import asyncio
import socket

from reference_app.netutil import bind_listening_socket, bound_port


def test_connections_accepted_on_a_bound_socket_send_small_writes_at_once() -> None:
    # asyncio turns Nagle's algorithm off only for a socket whose proto is IPPROTO_TCP. A socket made as
    # socket(AF_INET, SOCK_STREAM) has proto 0: a response's body then waited for the client's delayed
    # ACK of its headers, about 40 ms for every request after the first on a kept-alive connection.
    async def accepted_nodelay() -> int:
        listener = bind_listening_socket("127.0.0.1", 0)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_client(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_client, sock=listener)
        async with server:
            _reader, writer = await asyncio.open_connection("127.0.0.1", bound_port(listener))
            value = await asyncio.wait_for(seen, timeout=5)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
