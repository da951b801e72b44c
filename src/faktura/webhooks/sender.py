"""One signed HTTP request of a delivery, outside any database transaction."""

import asyncio
import ipaddress
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from faktura import __version__
from faktura.core.clock import utcnow
from faktura.webhooks.delivery import AttemptResult, DeliveryJob
from faktura.webhooks.safety import RefusedDestination, resolve
from faktura.webhooks.signing import signature_header

USER_AGENT = f"Faktura-Webhooks/{__version__}"
RESPONSE_EXCERPT_BYTES = 2048


def parse_retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - datetime.now(UTC), timedelta(0))


async def send(
    client: httpx.AsyncClient,
    job: DeliveryJob,
    *,
    allowed_hosts: tuple[str, ...],
    timeout_seconds: float,
) -> AttemptResult:
    """POST the event: resolve and check the host, then connect to the address that passed."""
    attempted_at = utcnow()
    started = time.monotonic()

    def result(**fields: object) -> AttemptResult:
        duration = round((time.monotonic() - started) * 1000)
        return AttemptResult(attempted_at=attempted_at, duration_ms=duration, **fields)  # type: ignore[arg-type]

    try:
        async with asyncio.timeout(timeout_seconds):
            destination = await resolve(job.url, allowed_hosts)
            address = destination.address
            host_in_url = (
                f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
            )
            url = destination.url._replace(netloc=f"{host_in_url}:{destination.port}").geturl()
            # The signature's timestamp is checked against the receiver's clock: real time.
            timestamp = int(time.time())
            headers = {
                "host": destination.url.netloc,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "webhook-id": job.message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature_header(
                    job.secrets, job.message_id, timestamp, job.body
                ),
            }
            extensions = {}
            if destination.url.scheme == "https":
                extensions["sni_hostname"] = destination.host
            async with client.stream(
                "POST", url, content=job.body, headers=headers, extensions=extensions
            ) as response:
                excerpt = bytearray()
                async for chunk in response.aiter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                        break
                retry_after = None
                if response.status_code in (429, 503):
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                return result(
                    status_code=response.status_code,
                    response_body=bytes(excerpt[:RESPONSE_EXCERPT_BYTES]).decode(
                        "utf-8", errors="replace"
                    ),
                    retry_after=retry_after,
                )
    except RefusedDestination as exc:
        return result(error=f"Refused destination: {exc}")
    except TimeoutError:
        return result(error=f"Timed out after {timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return result(error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
