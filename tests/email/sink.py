"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, and answers as a test
scripts it: per recipient, refuse at RCPT, or answer DATA with a code (then 250)."""

import asyncio
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.listeners import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    data_answers: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    # Seconds to wait before answering DATA (the message is kept first): a worker killed meanwhile.
    data_delay: float = 0.0
    conversations: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.conversations += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        answer = self.refused.get(address.lower())
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for address in envelope.rcpt_tos:
            scripted = self.data_answers.get(address.lower())
            if scripted:
                return scripted.popleft()
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"


class Sink:
    def __init__(self, handler: _Handler, port: int):
        self._handler = handler
        self.port = port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def conversations(self) -> int:
        return self._handler.conversations

    def refuse(self, address: str, answer: str = "550 5.1.1 No such user here") -> None:
        self._handler.refused[address.lower()] = answer

    def accept(self, address: str) -> None:
        self._handler.refused.pop(address.lower(), None)

    def answer_data(self, address: str, *answers: str) -> None:
        """The next DATA commands to `address` get these answers, then 250."""
        self._handler.data_answers[address.lower()].extend(answers)

    def set_data_delay(self, seconds: float) -> None:
        self._handler.data_delay = seconds

    def to(self, address: str) -> list[Received]:
        """What was accepted for `address` (as envelope recipient)."""
        with self._handler.lock:
            wanted = address.lower()
            return [r for r in self._handler.received if wanted in map(str.lower, r.recipients)]

    def wait_for(self, address: str, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return found


@contextmanager
def running_sink() -> Iterator[Sink]:
    handler = _Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Sink(handler, port)
    finally:
        controller.stop()
