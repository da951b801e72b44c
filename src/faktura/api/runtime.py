"""What a running application holds: settings, database, rate limiter, metrics, the API keys."""

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from faktura.api.auth import KeyAuthority
from faktura.api.ratelimit import RateLimiter
from faktura.config import Settings
from faktura.db.session import Database
from faktura.ops.metrics import Metrics


@dataclass
class Runtime:
    settings: Settings
    db: Database
    limiter: RateLimiter
    metrics: Metrics
    keys: KeyAuthority


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime
