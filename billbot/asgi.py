"""ASGI entry point for process managers: `uvicorn billbot.asgi:app --workers 4`."""

from billbot.app import create_app
from billbot.wiring import categoriser_hook

app = create_app(categorise=categoriser_hook())
