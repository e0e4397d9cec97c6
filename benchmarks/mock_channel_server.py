"""A local mock of Telegram's `sendMessage` that enforces its own sending limits with 429s.

A raw asyncio HTTP/1.1 server (keep-alive, one JSON request per call) on 127.0.0.1, run in its own
process so it does not share the client's interpreter. It accepts `POST /bot<token>/sendMessage`
while a global token bucket (and one per `chat_id`) has room, and otherwise answers Telegram's
429 (`retry_after`). `GET /stats` reports what it saw; `POST /control` resets the counters and
sets new limits. It stops by itself after `--max-requests` requests or `--idle` seconds of quiet.

    python benchmarks/mock_channel_server.py --limit 1200 --per-chat 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`."""

    rate: float
    burst: float
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = max(self.at, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Limits:
    limit: float = 0.0  # messages per second overall; 0: unlimited
    per_chat: float = 0.0  # messages per second per chat; 0: unlimited
    burst_seconds: float = 0.1  # the global bucket holds this many seconds of messages


class MockTelegram:
    """The server state: limits, buckets and counters."""

    def __init__(self, limits: Limits, max_requests: int) -> None:
        self.max_requests = max_requests
        self.total = 0
        self.reset(limits)

    def reset(self, limits: Limits) -> None:
        self.limits = limits
        self.bucket = (
            Bucket(limits.limit, max(1.0, limits.limit * limits.burst_seconds))
            if limits.limit
            else None
        )
        self.chats: dict[str, Bucket] = {}
        self.accepted = self.rejected = 0
        self.first_at = self.last_at = 0.0
        self.message_id = 0

    def stats(self) -> dict[str, float]:
        return {
            "accepted": self.accepted,
            "rejected_429": self.rejected,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "total": self.total,
        }

    def send_message(self, body: bytes) -> tuple[int, dict[str, object]]:
        now = time.monotonic()
        payload = json.loads(body or b"{}")
        chat = str(payload.get("chat_id"))
        allowed = self.bucket is None or self.bucket.take(now)
        if allowed and self.limits.per_chat:
            bucket = self.chats.get(chat)
            if bucket is None:
                bucket = self.chats[chat] = Bucket(self.limits.per_chat, 1.0)
            allowed = bucket.take(now)
        if not allowed:
            self.rejected += 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        self.accepted += 1
        self.first_at = self.first_at or now
        self.last_at = now
        self.message_id += 1
        result = {"message_id": self.message_id, "chat": {"id": chat}, "text": payload.get("text")}
        return 200, {"ok": True, "result": result}


async def serve(port: int, state: MockTelegram, idle: float) -> None:
    done = asyncio.Event()
    last_seen = time.monotonic()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal last_seen
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                length = 0
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                last_seen = time.monotonic()
                state.total += 1
                if path.endswith("/sendMessage") and method == "POST":
                    status, answer = state.send_message(body)
                elif path == "/stats":
                    status, answer = 200, dict(state.stats())
                elif path == "/control" and method == "POST":
                    state.reset(Limits(**json.loads(body or b"{}")))
                    status, answer = 200, {"ok": True}
                else:
                    status, answer = 404, {"ok": False, "error_code": 404}
                data = json.dumps(answer).encode()
                reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                if state.total >= state.max_requests:
                    done.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)

    async def watch_idle() -> None:
        while time.monotonic() - last_seen < idle:
            await asyncio.sleep(0.2)
        done.set()

    watcher = asyncio.create_task(watch_idle())
    async with server:
        await done.wait()
    watcher.cancel()


def start(
    *,
    limit: float = 0.0,
    per_chat: float = 0.0,
    max_requests: int = 1_000_000,
    idle: float = 30.0,
) -> tuple[subprocess.Popen[str], str]:
    """Run the server in a child process; returns it and its base URL."""
    process = subprocess.Popen(  # noqa: S603 - this interpreter running this file
        [
            sys.executable,
            __file__,
            f"--limit={limit}",
            f"--per-chat={per_chat}",
            f"--max-requests={max_requests}",
            f"--idle={idle}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--limit", type=float, default=0.0)
    parser.add_argument("--per-chat", type=float, default=0.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--idle", type=float, default=30.0)
    args = parser.parse_args()
    state = MockTelegram(Limits(args.limit, args.per_chat), args.max_requests)
    asyncio.run(serve(args.port, state, args.idle))


if __name__ == "__main__":
    main()
