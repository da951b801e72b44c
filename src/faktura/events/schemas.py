"""Response shape of events."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from faktura.api.schemas import OutputModel
from faktura.events.models import Event as EventRow


class Event(OutputModel):
    id: uuid.UUID = Field(description="Event id; also the webhook-id of its deliveries")
    object: Literal["event"] = "event"
    type: str = Field(description="Event type, e.g. `invoice.finalized`")
    object_type: str = Field(description="Type of the object the event is about")
    object_id: uuid.UUID | None = Field(description="Id of that object")
    data: dict[str, Any] = Field(description="The object (or the change) when it happened")
    livemode: bool = Field(description="Live or test mode")
    request_id: str | None = Field(description="API request that caused it, if any")
    created_at: datetime = Field(description="When it happened (UTC)")


def event_out(event: EventRow) -> Event:
    return Event.model_validate(event)
