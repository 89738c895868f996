"""The live server of the browser tests closes every response, even when the
browser resets the connection while the response is on its way."""

from __future__ import annotations

import gc
import socket
import struct
import sys
import threading
import warnings

import sqlalchemy as sa

from tests.support.detached_factories import factories
from tests.support.servers import LiveServer
from training.extensions import db

RESETS = 30


def request_then_reset(port: int, path: str) -> None:
    """Ask for ``path`` and reset the connection once the server is handling it (a
    browser tab closed while its favicon loads). The server's "100 Continue" says it
    has read the request and is about to call the app."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n\r\n".encode())
        assert connection.recv(100).startswith(b"HTTP/1.1 100")
        # Linger 0: close() sends a reset instead of a polite end of stream.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_static_file_is_closed_when_the_browser_resets_the_connection(app, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with LiveServer(app) as live:
            before = set(threading.enumerate())
            for _ in range(RESETS):
                request_then_reset(live.server.server_port, "/static/img/favicon.svg")
            for handler in set(threading.enumerate()) - before:
                handler.join(timeout=10)
        gc.collect()
    # An unclosed file warns when it is collected: as an unraisable ResourceWarning.
    assert [str(u.exc_value) for u in unraisable] == []


def test_a_request_served_while_the_factories_run_ends_its_transaction(app):
    """The browser tests make data with ``factories(live_app)`` while the live server
    keeps serving; a request's session must still end with its app context."""
    with app.app_context():
        pool = db.engine.pool
    before = pool.checkedout()
    with factories(app):

        def request_in_another_thread() -> None:
            with app.app_context():  # as a request does, and ends
                db.session.execute(sa.text("SELECT 1"))

        thread = threading.Thread(target=request_in_another_thread)
        thread.start()
        thread.join(timeout=10)
        # Its connection is back in the pool: no transaction left open.
        assert pool.checkedout() == before
