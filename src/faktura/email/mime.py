"""A letter as the bytes handed to the mail server: `multipart/mixed` of `multipart/alternative`
(text, then HTML) and the attachments; headers in UTF-8 encoded (RFC 2047).

Written out here rather than by the email package's EmailMessage, which parses every header it
is given and folds each again on output — most of a message's time in a busy queue
(docs/performance.md). Every part is base64 in lines of 76 with CRLF, and the boundaries begin
with `=_`, which base64 never writes, so no part can contain one. An attachment's encoded part
is made once by the email package and reused by every message that carries the same file
(`_encoded_attachment`, the last few files kept). A letter with an address that is not ASCII
(which needs SMTPUTF8) is left to the email package: `message_of` returns its EmailMessage.
"""

import base64
import uuid
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import lru_cache

from faktura.core.clock import utcnow
from faktura.email.smtp import Letter, mime_of

CRLF = b"\r\n"
# Longer header values (a long subject) are written as encoded words, folded.
PLAIN_HEADER_LENGTH = 900


def _one_line(value: str) -> str:
    return " ".join(value.splitlines())


def _text_header(value: str) -> str:
    value = _one_line(value)
    if value.isascii() and len(value) < PLAIN_HEADER_LENGTH:
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _text_part(subtype: str, text: str) -> bytes:
    """Its lines ended by CRLF, the last one too (as the email package writes text)."""
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64'
    lines = text.encode().splitlines()
    return head.encode() + CRLF + CRLF + _base64(CRLF.join(lines) + CRLF)


@lru_cache(maxsize=16)
def _encoded_attachment(filename: str, data: bytes, media_type: str) -> bytes:
    """The attachment's part, headers and base64 body, as the email package writes it."""
    part = MIMEPart(policy=SMTP)
    maintype, subtype = media_type.split("/", 1)
    part.set_content(data, maintype=maintype, subtype=subtype, filename=filename)
    encoded = part.as_bytes(policy=SMTP)
    return encoded if encoded.endswith(CRLF) else encoded + CRLF


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    """The Content-Type of a multipart of `parts`, and its body."""
    boundary = f"=_{uuid.uuid4().hex}"
    body = b"".join(b"--" + boundary.encode() + CRLF + part for part in parts)
    body += b"--" + boundary.encode() + b"--" + CRLF
    return f'multipart/{subtype}; boundary="{boundary}"', body


def _addresses(addresses: list[str]) -> str:
    return ", ".join(_one_line(address) for address in addresses)


def message_of(letter: Letter) -> bytes | EmailMessage:
    """The letter as the server is given it (bytes), or, with an address that is not ASCII,
    as an EmailMessage for the SMTP client to send with SMTPUTF8."""
    addresses = [letter.from_address, *letter.to, *letter.cc, letter.reply_to or ""]
    if not all(address.isascii() for address in addresses):
        return mime_of(letter)
    content_type, body = _multipart(
        "alternative",
        [_text_part("plain", letter.text_body), _text_part("html", letter.html_body)],
    )
    if letter.attachments:
        alternative = f"Content-Type: {content_type}".encode() + CRLF + CRLF + body
        attachments = [_encoded_attachment(*attachment) for attachment in letter.attachments]
        content_type, body = _multipart("mixed", [alternative, *attachments])
    headers = [
        ("From", formataddr((_one_line(letter.from_name), letter.from_address), "utf-8")),
        ("To", _addresses(letter.to)),
    ]
    if letter.cc:
        headers.append(("Cc", _addresses(letter.cc)))
    if letter.reply_to:
        headers.append(("Reply-To", _one_line(letter.reply_to)))
    headers += [
        ("Subject", _text_header(letter.subject)),
        ("Date", format_datetime(utcnow())),
        ("Message-ID", _one_line(letter.message_id)),
        ("Auto-Submitted", "auto-generated"),
        ("MIME-Version", "1.0"),
        ("Content-Type", content_type),
        ("Content-Language", _one_line(letter.language)),
    ]
    head = "\r\n".join(f"{name}: {value}" for name, value in headers)
    return head.encode() + CRLF + CRLF + body
