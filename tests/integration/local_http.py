"""A small HTTP server on 127.0.0.1 for hook and webhook tests: scripted answers, every request recorded."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer


class LocalServer:
    """Answers with ``answers`` in turn ((status, body); the last one repeats) and records each request.

    Listens on 127.0.0.1 on a free port (port 0: the system picks it); ``stop()`` shuts it down.
    """

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.requests.append(dict(method=self.command, path=self.path, headers=dict(self.headers.items()),
                                           body=self.rfile.read(length).decode() if length else ""))
                status, body = owner.answers[min(len(owner.requests), len(owner.answers)) - 1]
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
