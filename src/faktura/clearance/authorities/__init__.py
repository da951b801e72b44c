"""What Faktura asks of a tax authority that clears documents, and what it answers.

An authority adapter turns a document (as the API shows it, with its seller and buyer) into the
authority's submission, sends it, and reads the answer: cleared with the authority's references,
rejected with its errors, or a transient failure the job tries again. Adapters do network I/O
only; the job (clearance/jobs.py) runs them outside any transaction and records what they say.
"""

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Submission:
    """One document to clear: the API's views of it, its seller and its buyer, and what an
    earlier clearance made of the document it corrects (a credit note's invoice)."""

    document: dict[str, Any]
    account: dict[str, Any]
    customer: dict[str, Any]
    related: dict[str, Any] | None
    options: dict[str, Any]
    # True when an earlier run may have reached the authority (a retry, or a worker killed
    # mid-submission): the adapter first asks whether the authority has the document already.
    retried: bool


@dataclass(frozen=True)
class AuthorityError:
    code: str | None
    message: str


@dataclass(frozen=True)
class Outcome:
    status: Literal["cleared", "rejected"]
    reference: str | None = None
    qr_url: str | None = None
    # What else the authority keeps for the document (myDATA's invoice uid), not shown.
    extra: dict[str, Any] = field(default_factory=dict)
    errors: tuple[AuthorityError, ...] = ()


class Unreachable(Exception):
    """The authority did not answer, or answered that it could not now: tried again later."""


class Authority(Protocol):
    name: str

    async def submit(self, submission: Submission) -> Outcome: ...

    async def cancel(self, document: dict[str, Any], clearance: dict[str, Any]) -> Outcome:
        """Cancel a cleared document at the authority: cleared (its cancellation reference)
        or rejected."""
        ...
