"""Response shape of events."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from faktura.api.schemas import OutputModel
from faktura.core.types import named, one_of
from faktura.events.catalog import EVENT_TYPES
from faktura.events.models import Event as EventRow

_EVENT_TYPE = named("EventType", "What happened: the catalog is in docs/webhooks.md")


class Event(OutputModel):
    id: uuid.UUID = Field(description="Event id; also the webhook-id of its deliveries")
    object: Literal["event"] = "event"
    type: Annotated[str, one_of(EVENT_TYPES), _EVENT_TYPE] = Field(
        description="Event type, e.g. `invoice.finalized`"
    )
    object_type: str = Field(description="Type of the object the event is about")
    object_id: uuid.UUID | None = Field(description="Id of that object")
    data: dict[str, Any] = Field(description="The object (or the change) when it happened")
    livemode: bool = Field(description="Live or test mode")
    request_id: str | None = Field(description="API request that caused it, if any")
    created_at: datetime = Field(description="When it happened (UTC)")


def event_out(event: EventRow) -> Event:
    return Event.model_validate(event)
