"""A loopback HTTP server that answers from a script, to see what the SDK sends when things
go wrong: each request gets the next step — an answer, or the connection dropped unanswered."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DROP = "drop"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, **headers: str) -> Answer:
    body = {"error": {"code": code, "message": code, "status": status, "request_id": "req_s"}}
    return Answer(status, body, headers)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


TAG: dict[str, Any] = {
    "id": "01a2412e-cb52-70a1-9860-a4535834b880",
    "object": "tag",
    "name": "vip",
    "customer_count": 0,
    "livemode": False,
    "created_at": "2026-12-04T13:11:55.473871Z",
    "updated_at": "2026-12-04T13:11:55.473871Z",
}


class ScriptedServer:
    def __init__(self, *script: Answer | str) -> None:
        self.script = list(script)
        self.seen: list[Seen] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with lock:
                    outer.seen.append(
                        Seen(
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                    step = outer.script.pop(0) if outer.script else Answer(500, None)
                if step == DROP:
                    self.close_connection = True  # no answer at all: the client sees a disconnect
                    return
                assert isinstance(step, Answer)
                payload = b"" if step.body is None else json.dumps(step.body).encode()
                self.send_response(step.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
