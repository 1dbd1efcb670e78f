"""A real HTTP server receiving webhooks in a thread (stdlib ``http.server``), that can be down for a while."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.live import free_port

__all__ = ["Receiver", "free_port"]


class Receiver:
    """Records every POST (headers, raw body); ``start``/``stop`` bring it up and down on a fixed port."""

    def __init__(self, port: int) -> None:
        self.port, self.received, self.server = port, [], None
        self.url = f"http://127.0.0.1:{port}/hook"

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def changes(self) -> list[dict]:
        return [change for _headers, body in self.received for change in json.loads(body)["changes"]]
