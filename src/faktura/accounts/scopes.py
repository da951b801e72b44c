"""The scopes a key may hold: `resource:read`, `resource:write`, `resource:*`, and `*`."""

RESOURCES = ("account", "customers", "items", "documents", "payments", "webhooks", "reports")
SCOPES: tuple[str, ...] = (
    *(
        f"{resource}:{action}"
        for resource in RESOURCES
        if resource != "reports"
        for action in ("read", "write")
    ),
    "reports:read",
    "keys:write",
    "*",
)
# What a key may be given: the scopes above and `resource:*` for every resource.
GRANTABLE_SCOPES = frozenset((*SCOPES, *(f"{resource}:*" for resource in RESOURCES)))
