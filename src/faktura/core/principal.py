"""Who is asking: an API key of one tenant, with the scopes and the plan it was given."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from faktura.core.tenant import Tenant


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    tenant: Tenant
    scopes: frozenset[str]
    plan: str
    last_used_at: datetime | None

    def allows(self, scope: str) -> bool:
        """`*` allows all, `customers:*` all of customers, and write implies read."""
        if "*" in self.scopes or scope in self.scopes:
            return True
        resource, _, action = scope.partition(":")
        return f"{resource}:*" in self.scopes or (
            action == "read" and f"{resource}:write" in self.scopes
        )
