"""Who a piece of work is done for: one account, in live or test mode."""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tenant:
    account_id: uuid.UUID
    livemode: bool


# The id of the API request being served, so that events can name the request that caused them.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
