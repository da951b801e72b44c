"""SSRF: a webhook never reaches a private, loopback, link-local or metadata address unless the
operator allowed the host; refused requests are not sent at all."""

import ipaddress

import httpx
import pytest

from faktura.config import Settings
from faktura.core.tenant import Tenant
from faktura.db.session import Database
from faktura.webhooks import service
from faktura.webhooks.safety import RefusedDestination, is_public, resolve
from faktura.webhooks.schemas import WebhookEndpointCreate
from faktura.worker.runner import JobWorker
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.webhooks.factories import deliveries
from tests.webhooks.receiver import Receiver


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the requests that reach the network layer, and sends none of them."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(599)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - the address under test
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:1", False),  # local-use NAT64 of 10.0.0.1
        ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
        ("::127.0.0.1", False),  # IPv4-compatible
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo client 10.0.0.1
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("2002:5db8:d822::1", True),  # 6to4 of 93.184.216.34
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


async def test_a_host_resolving_to_loopback_is_refused_unless_allowed() -> None:
    with pytest.raises(RefusedDestination, match=r"localhost resolves to 127\.0\.0\.1"):
        await resolve("https://localhost:8443/hooks", ())
    allowed = await resolve("http://localhost:8443/hooks", ("localhost",))
    assert str(allowed.address) == "127.0.0.1"
    by_range = await resolve("https://localhost:8443/hooks", ("127.0.0.0/8",))
    assert by_range.port == 8443


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f000001", "127.1", "0177.0.0.1", "[::127.0.0.1]"]
)
async def test_numeric_forms_of_loopback_are_refused_before_any_lookup(host: str) -> None:
    with pytest.raises(RefusedDestination, match=r"127\.0\.0\.1\) is not a public address"):
        await resolve(f"https://{host}/hooks", ())


async def test_a_numeric_form_of_a_public_address_is_reached_at_that_address() -> None:
    destination = await resolve("https://1572395042/hooks", ())  # 93.184.216.34
    assert str(destination.address) == "93.184.216.34"


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


async def _endpoint_for(db: Database, api: ApiClient, url: str) -> str:
    """An endpoint saved while its host was allowed (the operator has since removed it)."""
    host = httpx.URL(url).host
    async with db.transaction() as session:
        endpoint = await service.create_endpoint(
            session,
            Tenant(api.account_id, False),
            WebhookEndpointCreate(url=url, events=["customer.created"]),
            allowed_hosts=(host,),
        )
    return str(endpoint.id)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:{port}/hooks",
    ],
)
async def test_the_worker_refuses_private_destinations_without_sending(
    url: str,
    hooks_api: ApiClient,
    hooks_db: Database,
    hooks_settings: Settings,
    receiver: Receiver,
    transport: CountingTransport,
) -> None:
    # The worker allows 127.0.0.1 by address, not the name `localhost` that resolves to it.
    endpoint_id = await _endpoint_for(hooks_db, hooks_api, url.format(port=receiver.port))
    await create_customer(hooks_api)

    await JobWorker(hooks_db, hooks_settings, transport=transport).run_once()

    assert transport.requests == []
    assert receiver.requests == []
    [delivery] = await deliveries(hooks_api, endpoint_id)
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("Refused destination: ")
    assert delivery["status"] == "pending"
