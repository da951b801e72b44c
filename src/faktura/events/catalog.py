"""Every event type Faktura records (API.md): what webhook endpoints subscribe to, what
`GET /v1/events` filters on. A test holds it to the types the code records."""

TEST_EVENT = "webhook.test"

_DOCUMENT_ACTIONS = (
    "created",
    "updated",
    "finalized",
    "cancelled",
    "deleted",
    "pdf_failed",
    "sent",
)
# What a tax authority made of an issued invoice or credit note (clearance/).
_CLEARANCE_ACTIONS = ("cleared", "clearance_failed")

EVENT_TYPES: frozenset[str] = frozenset(
    {
        *(f"invoice.{a}" for a in (*_DOCUMENT_ACTIONS, *_CLEARANCE_ACTIONS, "paid", "overdue")),
        *(f"quote.{a}" for a in (*_DOCUMENT_ACTIONS, "accepted", "declined", "converted")),
        # A credit note is never cancelled: it stays issued, and another document corrects it.
        *(
            f"credit_note.{a}"
            for a in (*_DOCUMENT_ACTIONS, *_CLEARANCE_ACTIONS)
            if a != "cancelled"
        ),
        *(f"receipt.{a}" for a in _DOCUMENT_ACTIONS),
        *(f"payment.{a}" for a in ("created", "matched", "refunded")),
        *(f"message.{a}" for a in ("sent", "failed", "bounced")),
        *(f"payment_link.{a}" for a in ("created", "completed", "deactivated")),
        *(f"customer.{a}" for a in ("created", "updated", "deleted")),
        *(f"supplier.{a}" for a in ("created", "updated", "deleted")),
        *(f"contact.{a}" for a in ("created", "updated", "deleted")),
        *(f"tag.{a}" for a in ("created", "updated", "deleted")),
        *(f"item.{a}" for a in ("created", "updated", "deleted")),
        "reconciliation.record_created",
        "reconciliation.record_updated",
        "dispute.created",
        "dispute.resolved",
        "payment_plan.enrolled",
        "payment_plan.completed",
        "payment_plan.cancelled",
        "account.updated",
        "api_key.revoked",
        *(f"webhook_endpoint.{a}" for a in ("created", "updated", "deleted", "disabled")),
        TEST_EVENT,
    }
)
