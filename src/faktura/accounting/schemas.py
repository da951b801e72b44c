"""Request and response shapes of the accounting change feed."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from faktura.accounting.models import AccountingChange as AccountingChangeRow
from faktura.api.schemas import InputModel, OutputModel
from faktura.core.types import MultilineText, field_error

ChangeStatus = Literal["pending", "synced", "failed"]
ObjectType = Literal["invoice", "payment", "credit_note", "customer"]


class AccountingChange(OutputModel):
    id: uuid.UUID = Field(description="Change id, to pass to mark_synced or mark_failed")
    object: Literal["accounting_change"] = "accounting_change"
    change_type: str = Field(description="What happened: the event type, e.g. `invoice.finalized`")
    object_type: ObjectType = Field(description="Kind of object that changed")
    object_id: uuid.UUID | None = Field(description="Id of the object that changed")
    event_id: uuid.UUID = Field(description="The event this change comes from (GET /v1/events)")
    data: dict[str, Any] = Field(description="The object as it was after the change")
    status: ChangeStatus = Field(
        description="pending: not yet taken by the ledger; synced: taken; failed: the ledger "
        "could not take it (see error_message)"
    )
    error_message: str | None = Field(description="Why the ledger failed to take it")
    synced_at: datetime | None = Field(description="When it was marked synced (UTC)")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="When the change happened (UTC)")
    updated_at: datetime = Field(description="When its status last changed (UTC)")


def change_out(change: AccountingChangeRow) -> AccountingChange:
    return AccountingChange(
        id=change.id,
        change_type=change.change_type,
        object_type=change.object_type,
        object_id=change.object_id,
        event_id=change.event_id,
        data=change.event.data,
        status=change.status,
        error_message=change.error_message,
        synced_at=change.synced_at,
        livemode=change.livemode,
        created_at=change.created_at,
        updated_at=change.updated_at,
    )


class AccountingChangesUpdate(InputModel):
    action: Literal["mark_synced", "mark_failed"] = Field(
        description="mark_synced: the ledger took the changes; mark_failed: it could not"
    )
    change_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=1000, description="Ids of the changes (at most 1,000)"
    )
    error_message: MultilineText | None = Field(
        None, min_length=1, max_length=1000, description="Why the ledger failed (mark_failed only)"
    )

    @model_validator(mode="after")
    def _message_only_on_failure(self) -> "AccountingChangesUpdate":
        if self.action == "mark_synced" and self.error_message is not None:
            raise field_error("error_message", "error_message is only for mark_failed")
        return self


class AccountingChangesUpdated(OutputModel):
    object: Literal["list"] = "list"
    data: list[AccountingChange] = Field(description="The changes, as they are now")
