"""What an endpoint subscribes to: event types of the catalog (events/catalog.py), or `*`."""

from faktura.events.catalog import TEST_EVENT

ALL_EVENTS = "*"


def subscribes_to(subscribed: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `subscribed` gets `event_type`.

    `webhook.test` goes only to the endpoint it is sent to, never by subscription.
    """
    if event_type == TEST_EVENT:
        return False
    return ALL_EVENTS in subscribed or event_type in subscribed
