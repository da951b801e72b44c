"""Talking to a mail server: the MIME message, one SMTP conversation, and what its answer
means for the message — sent, to be tried again, or refused for good."""

from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
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
    attachment: tuple[str, bytes] | None = None  # filename, PDF


def _address(display_name: str, address: str) -> Address:
    return Address(display_name=display_name, addr_spec=address)


def mime_of(letter: Letter) -> EmailMessage:
    """HTML and text alternatives, the PDF attached; non-ASCII headers encoded (RFC 2047)."""
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
    if letter.attachment is not None:
        filename, data = letter.attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
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


@dataclass(frozen=True)
class Refused:
    """A 5xx answer. `recipients` (address → answer) when the server refused every recipient
    (a bounce); empty when it refused the message itself (sender, content, size)."""

    response: str
    recipients: dict[str, str] = field(default_factory=dict)


Outcome = Sent | Transient | Refused


def _answer(code: int, message: str) -> str:
    return f"{code} {message}".strip()


async def deliver(
    server: SmtpServer, message: EmailMessage, sender: str, recipients: list[str], seconds: float
) -> Outcome:
    """One SMTP conversation; what it came to, never an exception for the server's answers."""
    try:
        errors, response = await aiosmtplib.send(
            message,
            sender=sender,
            recipients=recipients,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        answers = {
            refused.recipient: _answer(refused.code, refused.message) for refused in exc.recipients
        }
        summary = "; ".join(f"{address}: {answer}" for address, answer in answers.items())
        if any(400 <= refused.code < 500 for refused in exc.recipients):
            return Transient(summary)
        return Refused(summary, answers)
    except aiosmtplib.SMTPResponseException as exc:
        answer = _answer(exc.code, exc.message)
        return Transient(answer) if exc.code < 500 else Refused(answer)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Transient(f"{type(exc).__name__}: {exc}")
    refused = {address: _answer(answer.code, answer.message) for address, answer in errors.items()}
    return Sent(_answer(250, response), refused)  # aiosmtplib gives the text of the 250
