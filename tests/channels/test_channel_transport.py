"""The spread transport: concurrent requests over a fixed set of kept-alive connections."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from channels._transport import SpreadTransport


async def _serve(connections: list[int]) -> asyncio.Server:
    """A tiny HTTP/1.1 keep-alive server answering every request with its connection number."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections) + 1)
        number = len(connections)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode().split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                await asyncio.sleep(0.01)  # a slow provider, so requests overlap
                body = str(number).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_requests_share_at_most_size_connections_and_all_succeed() -> None:
    async def scenario() -> tuple[list[int], list[str]]:
        connections: list[int] = []
        server = await _serve(connections)
        port = server.sockets[0].getsockname()[1]
        async with server, httpx.AsyncClient(transport=SpreadTransport(4)) as client:
            responses = await asyncio.gather(
                *(client.post(f"http://127.0.0.1:{port}/m", json={"n": n}) for n in range(40))
            )
            answered_by = [r.text for r in responses]
            assert {r.status_code for r in responses} == {200}
            # Kept alive: a second round opens nothing new.
            await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/m") for _ in range(8)))
        return connections, answered_by

    connections, answered_by = asyncio.run(scenario())
    assert len(connections) == 4
    # Spread evenly: each connection carried about a quarter of the first 40.
    assert sorted(answered_by.count(str(n)) for n in connections) == [10, 10, 10, 10]


def test_a_refused_connection_is_a_transport_error() -> None:
    async def scenario() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        async with httpx.AsyncClient(transport=SpreadTransport(2)) as client:
            await client.get(f"http://127.0.0.1:{port}/")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(scenario())


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SpreadTransport(0)


def test_httpcore_still_finds_asyncio_without_sniffio() -> None:
    import httpcore._synchronization as sync

    async def library() -> str:
        return sync.current_async_library()

    # Whether or not sniffio is installed, requests under asyncio take the asyncio backend.
    assert asyncio.run(library()) == "asyncio"
