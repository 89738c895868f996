"""Real servers for tests: an SMTP server that keeps what it receives, a live
HTTP server for the app, and free ports on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received, parsed as e-mail messages."""

    messages: list[Message] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


RESPONSE_KEY = "tests.live_server.response"


class _ClosesOnce:
    """A WSGI response whose close() reaches the app's response exactly once."""

    def __init__(self, iterable) -> None:
        self.iterable = iterable
        self.closed = False

    def __iter__(self):
        return iter(self.iterable)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            close = getattr(self.iterable, "close", None)
            if close is not None:
                close()


def _keeping_the_response(app):
    def wsgi(environ, start_response):
        response = _ClosesOnce(app(environ, start_response))
        environ[RESPONSE_KEY] = response
        return response

    return wsgi


def _request_handler():
    from werkzeug.serving import WSGIRequestHandler

    class ClosingRequestHandler(WSGIRequestHandler):
        """Closes every response, whatever happened to the connection.

        Werkzeug's handler closes the response in a ``finally`` that first reads what is
        left on the socket; when the browser has reset the connection (a tab or context
        closed while its favicon or stylesheet was on the way), that read raises and the
        response is never closed: the static file it holds stays open until the garbage
        collector finds it, and its ResourceWarning then fails whichever test is running.
        """

        def run_wsgi(self) -> None:
            try:
                super().run_wsgi()
            finally:
                # (Werkzeug keeps the request's environ as self.environ.)
                response = getattr(self, "environ", {}).pop(RESPONSE_KEY, None)
                if response is not None:
                    response.close()

    return ClosingRequestHandler


class LiveServer:
    """The app served over real HTTP from a thread, for the browser tests."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.server = make_server(
            "127.0.0.1", 0, _keeping_the_response(app), threaded=True, request_handler=_request_handler()
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
