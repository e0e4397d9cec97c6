"""An HTTP transport for many concurrent sends to one provider: one small pool per connection.

httpcore's connection pool re-examines every connection for every request it assigns, so its
cost per request grows with the number of open connections (encode/httpx#3215): on a laptop
32 concurrent sends through one `httpx.AsyncClient` go several times slower than 4. Spreading
the requests over single-connection pools keeps each request's bookkeeping constant, and the
connections are kept alive as before.
"""

from __future__ import annotations

import importlib.util
import ssl
import sys

import httpx

__all__ = ["SpreadTransport"]

# httpcore 1.0 asks `import sniffio` on every lock and cancellation shield it sets up (four times
# a request), and anyio 4 no longer installs sniffio: each failed import searches the whole
# import path again (~25 µs). Marking the absent module as absent makes that answer immediate;
# httpcore then assumes asyncio, exactly as it does after the slow failure.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


class SpreadTransport(httpx.AsyncBaseTransport):
    """Sends each request through the least busy of `size` single-connection pools."""

    def __init__(
        self, size: int = 32, *, verify: ssl.SSLContext | bool = True, **transport_options: object
    ) -> None:
        if size < 1:
            raise ValueError("a SpreadTransport needs at least one connection")
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        # One TLS context for all the pools: loading the CA bundle costs milliseconds each time.
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify)
        self._pools = [
            httpx.AsyncHTTPTransport(verify=context, limits=limits, **transport_options)  # type: ignore[arg-type]
            for _ in range(size)
        ]
        self._busy = [0] * size

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Pass `request` to the pool with the fewest requests in flight."""
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await self._pools[index].handle_async_request(request)
        finally:
            self._busy[index] -= 1

    async def aclose(self) -> None:
        """Close every pool's connection."""
        for pool in self._pools:
            await pool.aclose()
