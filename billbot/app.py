"""The composition root: builds the FastAPI app from settings, an engine and a clock."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text

from billbot import __version__
from billbot.accounts.routes import router as accounts_router
from billbot.bills.routes import router as statements_router
from billbot.breakdowns.routes import router as breakdowns_router
from billbot.categorize.routes import operator_router as operator_rules_router
from billbot.categorize.routes import router as categories_router
from billbot.channel_config import build_channels
from billbot.chat.routes import router as chat_router
from billbot.clock import Clock, SystemClock
from billbot.db import NotMigratedError, ensure_migrated, get_engine
from billbot.digests.routes import links_router as digest_links_router
from billbot.digests.routes import router as digest_router
from billbot.errors import BillbotError, TooManyRequests
from billbot.imports.routes import router as imports_router
from billbot.limits.routes import operator_router as purchase_check_router
from billbot.limits.routes import router as limits_router
from billbot.logs import configure_logging, event, request_id
from billbot.operator.routes import router as operator_router
from billbot.outbox.routes import router as contact_router
from billbot.privacy.routes import router as privacy_router
from billbot.repayments.due_date_routes import router as due_date_router
from billbot.repayments.installment_routes import router as installments_router
from billbot.repayments.payoff_routes import router as payoff_router
from billbot.repayments.routes import router as repayments_router
from billbot.reports.routes import router as reports_router
from billbot.scenarios.messages import load_templates
from billbot.scenarios.routes import router as scenarios_router
from billbot.scheduler import start_scheduler
from billbot.settings import Settings, get_settings
from billbot.transactions.ingest import Categorise
from billbot.transactions.routes import router as transactions_router
from billbot.users.routes import router as users_router
from billbot.webchat.routes import router as webchat_router
from billbot.webhooks.routes import router as webhooks_router
from billbot.wiring import after_ingest_hook, categoriser_hook
from channels import Channel

log = logging.getLogger("billbot.http")


def _error_response(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    body["error"]["request_id"] = request_id.get()
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BillbotError)
    async def _domain_error(request: Request, exc: BillbotError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        if exc.status_code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return _error_response(request, exc.status_code, exc.body(), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        message = f"{first['field'] or 'request'}: {first['message']}"
        return _error_response(
            request, 422, {"error": {"code": "invalid", "message": message, "details": problems}}
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed path=%s", request.url.path)
        body = {
            "error": {
                "code": "internal",
                "message": "something went wrong on our side; try again shortly",
            }
        }
        return _error_response(request, 500, body)


def create_app(
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    categorise: Categorise | None = None,
    channels: Mapping[str, Channel] | None = None,
    check_migrations: bool = True,
) -> FastAPI:
    """A ready-to-serve app; tests pass their own engine and clock."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    configure_logging(settings.log_level, as_json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if check_migrations:
            ensure_migrated(engine)
        load_templates()  # compiled at start, not on a borrower's first message
        running = None
        if settings.scheduler_enabled:
            running = start_scheduler(
                engine,
                app.state.clock,
                # The dispatcher's own adapters: its HTTP connections live in its event loop.
                dict(channels) if channels is not None else build_channels(settings),
                sweep_seconds=settings.sweep_seconds,
                dispatch_seconds=settings.dispatch_seconds,
                settings=settings,
            )
        yield
        if running is not None:
            scheduler, leadership = running
            scheduler.shutdown(wait=False)
            leadership.release()

    app = FastAPI(
        title="billbot",
        version=__version__,
        summary="A responsible-borrowing bill assistant: breakdowns, limits, reminders, chat.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or SystemClock()
    app.state.categorise = categorise if categorise is not None else categoriser_hook()
    app.state.after_store = after_ingest_hook()
    # The adapters every outbound message and inbound webhook goes through.
    app.state.channels = dict(channels) if channels is not None else build_channels(settings)

    @app.middleware("http")
    async def _request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("X-Request-ID") or "r" + uuid.uuid4().hex[:15]
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id.reset(token)
        response.headers["X-Request-ID"] = rid
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        event(
            log,
            "http.request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=elapsed_ms,
            request_id=rid,
        )
        return response

    _install_error_handlers(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """The database is reachable and migrated."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            ensure_migrated(engine)
        except NotMigratedError as exc:
            return JSONResponse({"status": "unready", "reason": str(exc)}, status_code=503)
        except Exception as exc:
            return JSONResponse(
                {"status": "unready", "reason": f"database unreachable: {type(exc).__name__}"},
                status_code=503,
            )
        return JSONResponse({"status": "ready"})

    for router in (
        users_router,
        accounts_router,
        transactions_router,
        statements_router,
        breakdowns_router,
        categories_router,
        operator_rules_router,
        limits_router,
        chat_router,
        repayments_router,
        due_date_router,
        installments_router,
        payoff_router,
        reports_router,
        digest_router,
        digest_links_router,
        contact_router,
        scenarios_router,
        purchase_check_router,
        imports_router,
        privacy_router,
        operator_router,
        webchat_router,
        webhooks_router,
    ):
        app.include_router(router)
    return app
