"""Talking to a mail server: the MIME message, one SMTP conversation, and what its answer
means for the message — sent, to be tried again, or refused for good."""

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from faktura.core.clock import utcnow


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False  # smtps: TLS from the first byte

    @property
    def name(self) -> str:
        return f"{self.hostname}:{self.port}"


def server_of(url: str, username: str | None = None, password: str | None = None) -> SmtpServer:
    """smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://…:465."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"not an smtp:// or smtps:// URL: {url!r}")
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        hostname=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=username or (unquote(parts.username) if parts.username else None),
        password=password or (unquote(parts.password) if parts.password else None),
        use_tls=use_tls,
    )


@dataclass(frozen=True)
class Letter:
    """A rendered message, ready to become MIME."""

    message_id: str
    from_name: str
    from_address: str
    reply_to: str | None
    to: list[str]
    cc: list[str]
    subject: str
    text_body: str
    html_body: str
    language: str
    # (file name, bytes, media type): the PDF, the e-invoice.
    attachments: tuple[tuple[str, bytes, str], ...] = ()


def _address(display_name: str, address: str) -> Address:
    return Address(display_name=display_name, addr_spec=address)


def mime_of(letter: Letter) -> EmailMessage:
    """HTML and text alternatives, the PDF (and e-invoice) attached; non-ASCII headers encoded
    (RFC 2047)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(letter.from_name, letter.from_address)
    message["To"] = ", ".join(letter.to)
    if letter.cc:
        message["Cc"] = ", ".join(letter.cc)
    if letter.reply_to:
        message["Reply-To"] = letter.reply_to
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text_body)
    message.add_alternative(letter.html_body, subtype="html")
    for filename, data, media_type in letter.attachments:
        maintype, subtype = media_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    # After the parts: making a multipart drops the Content-* headers set before.
    message["Content-Language"] = letter.language
    return message


# Outcomes


@dataclass(frozen=True)
class Sent:
    response: str
    # Recipients refused for good while others took the message: address → answer.
    refused: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Transient:
    """A 4xx answer, a connection that failed or timed out: try again later."""

    response: str
    # False: no connection could be made (refused, timed out): the server is down, not the
    # message refused.
    connected: bool = True


@dataclass(frozen=True)
class Refused:
    """A 5xx answer. `recipients` (address → answer) when the server refused every recipient
    (a bounce); empty when it refused the message itself (sender, content, size)."""

    response: str
    recipients: dict[str, str] = field(default_factory=dict)


Outcome = Sent | Transient | Refused


def _answer(code: int, message: str) -> str:
    return f"{code} {message}".strip()


# Connections: open ones are kept for the next message to the same server (per event loop),
# so a busy queue does not pay a connection, EHLO, STARTTLS and login per message.
IDLE_SECONDS = 20.0
MAX_IDLE_PER_SERVER = 20
_Idle = dict[SmtpServer, list[tuple[float, aiosmtplib.SMTP]]]
_idle: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Idle]" = weakref.WeakKeyDictionary()


def _idle_of_loop() -> _Idle:
    loop = asyncio.get_running_loop()
    found = _idle.get(loop)
    if found is None:
        found = _idle[loop] = {}
    return found


async def _connect(server: SmtpServer, seconds: float) -> aiosmtplib.SMTP:
    client = aiosmtplib.SMTP(
        hostname=server.hostname,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.use_tls,
        timeout=seconds,
    )
    await client.connect()
    return client


def _take_idle(server: SmtpServer) -> aiosmtplib.SMTP | None:
    idle = _idle_of_loop().get(server, [])
    now = time.monotonic()
    while idle:
        since, client = idle.pop()
        if now - since < IDLE_SECONDS and client.is_connected:
            return client
        client.close()
    return None


def _give_back(server: SmtpServer, client: aiosmtplib.SMTP) -> None:
    idle = _idle_of_loop().setdefault(server, [])
    if len(idle) < MAX_IDLE_PER_SERVER and client.is_connected:
        idle.append((time.monotonic(), client))
    else:
        client.close()


async def _send(
    client: aiosmtplib.SMTP,
    message: EmailMessage | bytes,
    sender: str,
    recipients: list[str],
    seconds: float,
) -> tuple[dict[str, Any], str]:
    if isinstance(message, bytes):
        errors, response = await client.sendmail(sender, recipients, message, timeout=seconds)
    else:
        errors, response = await client.send_message(
            message, sender=sender, recipients=recipients, timeout=seconds
        )
    return dict(errors), response


async def deliver(
    server: SmtpServer,
    message: EmailMessage | bytes,
    sender: str,
    recipients: list[str],
    seconds: float,
) -> Outcome:
    """One message (as written out, or to be written by the SMTP client) over an open
    connection to `server` (or a new one); what it came to, never an exception for the
    server's answers."""
    client = _take_idle(server)
    try:
        if client is not None:
            try:
                errors, response = await _send(client, message, sender, recipients, seconds)
            except aiosmtplib.SMTPServerDisconnected:
                client.close()  # the server closed the idle connection: a fresh one
                client = None
        if client is None:
            try:
                client = await _connect(server, seconds)
            except aiosmtplib.SMTPResponseException:
                raise  # the server answered: what it said decides, below
            except (aiosmtplib.SMTPConnectError, OSError, TimeoutError) as exc:
                return Transient(f"{type(exc).__name__}: {exc}", connected=False)
            errors, response = await _send(client, message, sender, recipients, seconds)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        _close(client)
        answers = {
            refused.recipient: _answer(refused.code, refused.message) for refused in exc.recipients
        }
        summary = "; ".join(f"{address}: {answer}" for address, answer in answers.items())
        if any(400 <= refused.code < 500 for refused in exc.recipients):
            return Transient(summary)
        return Refused(summary, answers)
    except aiosmtplib.SMTPResponseException as exc:
        _close(client)
        answer = _answer(exc.code, exc.message)
        return Transient(answer) if exc.code < 500 else Refused(answer)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        _close(client)
        return Transient(f"{type(exc).__name__}: {exc}")
    except BaseException:
        _close(client)
        raise
    _give_back(server, client)
    refused = {address: _answer(answer.code, answer.message) for address, answer in errors.items()}
    return Sent(_answer(250, response), refused)  # aiosmtplib gives the text of the 250


def _close(client: aiosmtplib.SMTP | None) -> None:
    if client is not None:
        client.close()
