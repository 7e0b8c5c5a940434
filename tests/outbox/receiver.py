"""A real HTTP server on 127.0.0.1 that takes webhooks as a client's system would: it records every
request and answers each as told (a status and JSON, slowly, or by dropping the connection).
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: dict | None = None
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    raw: bytes | None = None  # sent as it is instead of `body`, e.g. something that is not JSON
    during: Callable[[], None] | None = None  # run in the server's thread before it answers


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    answers: list[Answer] = field(default_factory=list)  # one per request, the last one repeated
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> Answer:
        index = min(len(self.received) - 1, len(self.answers) - 1)
        return self.answers[index] if self.answers else Answer()


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append(Received(headers={k.lower(): v for k, v in self.headers.items()}, body=body))
            answer = receiver.answer()
            if answer.during:
                answer.during()
            time.sleep(answer.delay)
            if answer.drop:
                self.close_connection = True
                self.connection.close()
                return
            payload = answer.raw if answer.raw is not None else json.dumps(answer.body or {}).encode()
            self.send_response(answer.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
