"""National clearance: an account's settings, the document's clearance set at issue, and what
the submission and cancellation jobs record.

At issue (the `.finalized` event, in the issuing transaction) a document the account's authority
must clear gets `clearance.status = pending` and a `clearance.submit` job; the job talks to the
authority after the commit and records the outcome here, with `{type}.cleared` or
`{type}.clearance_failed`. A cleared document's PDF is archived again so that it prints the
authority's reference. Cancelling a cleared document enqueues `clearance.cancel`.
"""

import contextlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.schemas import account_out
from faktura.clearance.authorities import (
    Authority,
    AuthorityError,
    Outcome,
    Submission,
    il_ita,
    mydata,
)
from faktura.clearance.models import ClearanceSettings
from faktura.clearance.schemas import ClearanceSettingsIn
from faktura.config import Settings
from faktura.core import secrets as core_secrets
from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState, NotFound, ValidationFailed
from faktura.core.jsoncodec import format_datetime
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.schemas import customer_out
from faktura.db.session import Database
from faktura.documents import queries as documents_queries
from faktura.documents import service as documents_service
from faktura.documents import status as documents_status
from faktura.documents.models import Document
from faktura.events.models import Event
from faktura.jobs import service as jobs
from faktura.pdfs import service as pdfs_service

SUBMIT_KIND = "clearance.submit"
CANCEL_KIND = "clearance.cancel"
# The types each authority clears; others are not_required.
CLEARED_TYPES = {"mydata": ("invoice", "credit_note"), "il_ita": ("invoice", "credit_note")}
CALLBACK_PATH = "/clearance/il_ita/callback"
# The tax documents: each issued one gets a clearance (a quote is an offer and gets none).
_TAX_DOCUMENTS = ("invoice", "credit_note", "receipt")


# Settings


_KNOWN = "faktura.clearance_settings"


async def settings_of(session: AsyncSession, tenant: Tenant) -> ClearanceSettings | None:
    """The tenant's settings, read once per transaction: a request that creates and issues a
    document reads them with its first event, not under the numbering lock of the second."""
    known: dict[Tenant, ClearanceSettings | None] = session.info.setdefault(_KNOWN, {})
    if tenant not in known:
        statement = (
            select(ClearanceSettings)
            .where(
                ClearanceSettings.account_id == tenant.account_id,
                ClearanceSettings.livemode == tenant.livemode,
            )
            .execution_options(autoflush=False)
        )
        known[tenant] = (await session.execute(statement)).scalar_one_or_none()
    return known[tenant]


async def set_settings(
    session: AsyncSession, tenant: Tenant, settings: Settings, data: ClearanceSettingsIn
) -> ClearanceSettings:
    """The account's clearance for the key's mode. Test mode clears at the sandbox only."""
    if not tenant.livemode and data.environment == "production":
        raise ValidationFailed.on_field(
            "environment", "test mode always clears at the authority's sandbox"
        )
    if data.base_url is not None and not settings.clearance_allow_base_url:
        raise ValidationFailed.on_field(
            "base_url",
            "this server does not let accounts choose the authority's address "
            "(FAKTURA_CLEARANCE_ALLOW_BASE_URL)",
        )
    row = await settings_of(session, tenant)
    if row is None:
        if data.credentials is None:
            raise ValidationFailed.on_field("credentials", "required the first time")
        row = ClearanceSettings(account_id=tenant.account_id, livemode=tenant.livemode)
        session.add(row)
        session.info.pop(_KNOWN, None)
    elif row.provider != data.provider and data.credentials is None:
        raise ValidationFailed.on_field("credentials", f"required to change to {data.provider}")
    if (row.provider, row.environment, row.base_url) != (
        data.provider,
        data.environment,
        data.base_url,
    ) or data.credentials is not None:
        # A grant is for one application at one address.
        row.tokens_encrypted, row.token_expires_at, row.authorization_state = None, None, None
    row.provider = data.provider
    row.environment = data.environment
    row.require_before_send = data.require_before_send
    row.base_url = data.base_url
    row.options = data.options_of()
    if data.credentials is not None:
        secret = json.dumps(data.credentials.model_dump(exclude_none=True))
        row.credentials_encrypted = core_secrets.encrypt(settings, secret)
    row.updated_at = utcnow()
    await session.flush()
    return row


async def remove_settings(session: AsyncSession, tenant: Tenant) -> None:
    """Documents issued from now on are not cleared; jobs under way still read nothing and
    leave their documents pending (an operator sees them in the failed jobs)."""
    row = await settings_of(session, tenant)
    if row is None:
        raise NotFound("No clearance is configured for this mode")
    await session.delete(row)
    session.info.pop(_KNOWN, None)


def _credentials(row: ClearanceSettings, settings: Settings) -> dict[str, str]:
    found: dict[str, str] = json.loads(core_secrets.decrypt(settings, row.credentials_encrypted))
    return found


def base_url_of(row: ClearanceSettings) -> str:
    urls = mydata.BASE_URLS if row.provider == mydata.NAME else il_ita.BASE_URLS
    return row.base_url or urls[row.environment]


async def authority_for(
    db: Database, settings: Settings, http: httpx.AsyncClient, row: ClearanceSettings
) -> Authority:
    """The client of the account's authority; for ITA with a current access token (refreshed
    and stored first when it is about to expire)."""
    credentials = _credentials(row, settings)
    base_url = base_url_of(row)
    if row.provider == mydata.NAME:
        return mydata.Mydata(
            http, base_url, credentials["user_id"], credentials["subscription_key"]
        )
    if row.tokens_encrypted is None:
        raise il_ita.NotAuthorized(
            "the account owner has not granted access to ITA yet "
            "(POST /v1/account/clearance/authorization)"
        )
    tokens = json.loads(core_secrets.decrypt(settings, row.tokens_encrypted))
    expires_at = row.token_expires_at
    if expires_at is not None and expires_at - timedelta(seconds=60) <= utcnow():
        if not tokens.get("refresh_token"):
            raise il_ita.NotAuthorized("the ITA access token expired and cannot be refreshed")
        fresh = await il_ita.exchange(
            http,
            base_url,
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
            },
            settings.clearance_timeout_seconds,
        )
        async with db.transaction() as session:
            await store_tokens(session, settings, row.id, fresh)
        tokens = {"access_token": fresh.access_token, "refresh_token": fresh.refresh_token}
    return il_ita.Ita(
        http, base_url, tokens["access_token"], timeout=settings.clearance_timeout_seconds
    )


# ITA's grant


async def start_authorization(
    session: AsyncSession, tenant: Tenant, settings: Settings
) -> tuple[str, str]:
    """Where to send the account owner to grant access, and the callback ITA returns to."""
    row = await settings_of(session, tenant)
    if row is None or row.provider != il_ita.NAME:
        raise InvalidState("Configure il_ita clearance first (PUT /v1/account/clearance)")
    row.authorization_state = secrets.token_urlsafe(32)
    row.updated_at = utcnow()
    await session.flush()
    redirect_uri = settings.public_base_url.rstrip("/") + CALLBACK_PATH
    url = il_ita.authorize_url(
        base_url_of(row),
        _credentials(row, settings)["client_id"],
        redirect_uri,
        row.authorization_state,
    )
    return url, redirect_uri


async def row_by_state(session: AsyncSession, state: str) -> ClearanceSettings | None:
    statement = select(ClearanceSettings).where(ClearanceSettings.authorization_state == state)
    return (await session.execute(statement)).scalar_one_or_none()


async def finish_authorization(
    db: Database, settings: Settings, http: httpx.AsyncClient, state: str, code: str
) -> bool:
    """ITA's callback: the code of the grant `state` names, exchanged for tokens (outside any
    transaction), kept. False when no grant is under way with that state."""
    async with db.transaction(writes=False) as session:
        row = await row_by_state(session, state)
    if row is None:
        return False
    credentials = _credentials(row, settings)
    tokens = await il_ita.exchange(
        http,
        base_url_of(row),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.public_base_url.rstrip("/") + CALLBACK_PATH,
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        },
        settings.clearance_timeout_seconds,
    )
    async with db.transaction() as session:
        return await store_tokens(session, settings, row.id, tokens, state=state)


async def store_tokens(
    session: AsyncSession,
    settings: Settings,
    row_id: uuid.UUID,
    tokens: il_ita.Tokens,
    *,
    state: str | None = None,
) -> bool:
    """Keep the tokens (True), unless the settings are gone or — for a grant's first tokens —
    the grant was restarted or replaced meanwhile (`state` no longer theirs)."""
    row = await session.get(ClearanceSettings, row_id, with_for_update=True)
    if row is None or (state is not None and row.authorization_state != state):
        return False
    kept = {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}
    if tokens.refresh_token is None and row.tokens_encrypted is not None:
        # A refresh answer without a new refresh token keeps the one it was made with.
        before = json.loads(core_secrets.decrypt(settings, row.tokens_encrypted))
        kept["refresh_token"] = before.get("refresh_token")
    row.tokens_encrypted = core_secrets.encrypt(settings, json.dumps(kept))
    row.token_expires_at = utcnow() + timedelta(seconds=tokens.expires_in or 3600)
    row.authorization_state = None
    row.updated_at = utcnow()
    await session.flush()
    return True


# At issue


async def _required(
    session: AsyncSession, tenant: Tenant, provider: str, document: dict[str, Any]
) -> bool:
    if document["type"] not in CLEARED_TYPES[provider]:
        return False
    if provider == mydata.NAME:
        return True
    customer = await customers_service.get_customer(
        session, tenant, uuid.UUID(document["customer_id"])
    )
    return il_ita.required(document, customer_out(customer).model_dump(mode="json"))


async def on_issue(session: AsyncSession, event: Event) -> None:
    """Event consumer: an issued document of an account that clears is marked pending and
    submitted by a job after the commit, or marked not_required."""
    if event.object_type not in _TAX_DOCUMENTS or event.object_id is None:
        return
    tenant = Tenant(event.account_id, event.livemode)
    row = await settings_of(session, tenant)  # read with a document's first event
    if not event.type.endswith(".finalized"):
        return
    if row is None:
        return
    shown = event.data["object"]
    required = await _required(session, tenant, row.provider, shown)
    document = await documents_service.get_document(
        session, tenant, event.object_id, for_update=True
    )
    document.clearance = {
        "provider": row.provider,
        "environment": row.environment,
        "status": "pending" if required else "not_required",
        "errors": [],
    }
    if required:
        jobs.enqueue(
            session,
            SUBMIT_KIND,
            {"document_id": str(document.id)},
            tenant=tenant,
            dedupe_key=f"clearance:{document.id}",
        )


async def on_cancel(session: AsyncSession, event: Event) -> None:
    """Event consumer: a cleared document that is cancelled is cancelled at the authority."""
    if not event.type.endswith(".cancelled") or event.object_id is None:
        return
    clearance = event.data["object"].get("clearance") or {}
    if clearance.get("status") != "cleared" or clearance.get("provider") != mydata.NAME:
        return  # ITA cancels nothing: a credit invoice reverses an allocated one
    await _enqueue_cancel(session, Tenant(event.account_id, event.livemode), event.object_id)


async def _enqueue_cancel(session: AsyncSession, tenant: Tenant, document_id: uuid.UUID) -> None:
    await jobs.enqueue_once(
        session,
        CANCEL_KIND,
        {"document_id": str(document_id)},
        tenant=tenant,
        dedupe_key=f"clearance-cancel:{document_id}",
    )


# The jobs' reads and writes


@dataclass(frozen=True)
class Work:
    """What a job needs to talk to the authority: the document's clearance, the submission,
    and the account's settings row (None: no longer configured)."""

    clearance: dict[str, Any]
    submission: Submission
    row: ClearanceSettings | None


async def work_of(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, retried: bool
) -> Work | None:
    try:
        head = await documents_service.get_document(session, tenant, document_id)
    except NotFound:
        return None
    if head.clearance is None:
        return None
    shown = await documents_queries.shown_document(session, tenant, document_id)
    account = await accounts_service.get_account(session, tenant.account_id)
    customer = await customers_service.get_customer(session, tenant, head.customer_id)
    related = None
    if head.related_document_id is not None:
        related = await documents_queries.shown_document(session, tenant, head.related_document_id)
    row = await settings_of(session, tenant)
    submission = Submission(
        document=shown,
        account=account_out(account).model_dump(mode="json"),
        customer=customer_out(customer).model_dump(mode="json"),
        related=related,
        options=dict(row.options) if row is not None else {},
        retried=retried,
    )
    return Work(dict(head.clearance), submission, row)


def settings_changed(work: Work) -> str | None:
    """Why the document can no longer be submitted as it shows: the account's clearance was
    removed, or now names another authority or environment."""
    if work.row is None:
        return "the account's clearance settings were removed"
    shown = (work.clearance.get("provider"), work.clearance.get("environment"))
    if (work.row.provider, work.row.environment) != shown:
        return (
            f"the account's clearance changed from {shown[0]} ({shown[1]}) to "
            f"{work.row.provider} ({work.row.environment})"
        )
    return None


def _errors(errors: tuple[AuthorityError, ...]) -> list[dict[str, Any]]:
    return [{"code": e.code, "message": e.message} for e in errors]


async def _locked(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, status: str
) -> tuple[Document, dict[str, Any]] | None:
    """The document, locked, and a copy of its clearance to change — None unless the
    clearance is still `status` (another run already recorded it)."""
    document = await documents_service.get_document(session, tenant, document_id, for_update=True)
    clearance = dict(document.clearance or {})
    return (document, clearance) if clearance.get("status") == status else None


def _keep(document: Document, clearance: dict[str, Any]) -> None:
    document.clearance = clearance
    document.updated_at = utcnow()


async def record_submission(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, outcome: Outcome
) -> None:
    """The authority's answer, on the document, with its event; a cleared document's PDF is
    archived again to print the reference (an uploaded PDF is left as it is)."""
    found = await _locked(session, tenant, document_id, "pending")
    if found is None:
        return
    document, clearance = found
    clearance["submitted_at"] = format_datetime(utcnow())
    if outcome.status == "cleared":
        clearance.update(
            status="cleared",
            reference=outcome.reference,
            qr_url=outcome.qr_url,
            cleared_at=clearance["submitted_at"],
            errors=[],
            **outcome.extra,
        )
        if document.status == "cancelled" and clearance["provider"] == mydata.NAME:
            # Cancelled while its submission was under way: cancelled at AADE too.
            await _enqueue_cancel(session, tenant, document.id)
    else:
        clearance.update(status="rejected", errors=_errors(outcome.errors))
    _keep(document, clearance)
    if outcome.status == "cleared" and document.pdf_source != "user_upload":
        documents_service.set_pdf(document, None)
        await session.flush()
        # When the archive job is rendering the document as it was (InvalidState), its render
        # is stale now (updated_at changed): it is not recorded and the job runs again.
        with contextlib.suppress(InvalidState):
            await pdfs_service.enqueue_archive(session, tenant, document.id, rearm=True)
    await session.flush()
    action = "cleared" if outcome.status == "cleared" else "clearance_failed"
    await documents_status.record_document_event(session, tenant, document, action)


async def record_failure(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, reason: str
) -> None:
    """The authority could not be reached after every retry: failed, with the event."""
    found = await _locked(session, tenant, document_id, "pending")
    if found is None:
        return
    document, clearance = found
    clearance.update(status="failed", errors=[{"code": None, "message": reason[:500]}])
    _keep(document, clearance)
    await session.flush()
    await documents_status.record_document_event(session, tenant, document, "clearance_failed")


async def record_cancellation(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, outcome: Outcome
) -> None:
    found = await _locked(session, tenant, document_id, "cleared")
    if found is None:
        return
    document, clearance = found
    if outcome.status == "cleared":
        clearance.update(status="cancelled", cancellation_reference=outcome.reference)
    else:
        clearance["errors"] = _errors(outcome.errors)
    _keep(document, clearance)
    await session.flush()


async def submit_again(
    session: AsyncSession, tenant: Tenant, doc_type: str, document_id: uuid.UUID
) -> Document:
    """A rejected or failed clearance, its data corrected, submitted again: pending, with a
    job, to the authority the account clears with now. The job first asks the authority
    whether it has the document (an earlier run may have reached it)."""
    document = await documents_service.get_document(
        session, tenant, document_id, doc_type, for_update=True
    )
    clearance = document.clearance or {}
    if clearance.get("status") not in ("rejected", "failed"):
        raise InvalidState(
            "Only a rejected or failed clearance is submitted again; this one is "
            f"{clearance.get('status') or 'not there'}"
        )
    row = await settings_of(session, tenant)
    if row is None:
        raise InvalidState("The account clears nothing in this mode (PUT /v1/account/clearance)")
    _keep(
        document,
        {
            "provider": row.provider,
            "environment": row.environment,
            "status": "pending",
            "errors": [],
            "retried": True,
        },
    )
    await session.flush()
    await jobs.enqueue_or_rearm(
        session,
        SUBMIT_KIND,
        {"document_id": str(document.id)},
        tenant=tenant,
        dedupe_key=f"clearance:{document.id}",
    )
    return document


# Sending


async def send_blocker(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID
) -> str | timedelta | None:
    """Why a message of this document may not go now: a wait (clearance pending on an account
    that requires it before sending) or a reason to fail (rejected or failed); None: go."""
    row = await settings_of(session, tenant)
    if row is None or not row.require_before_send:
        return None
    document = await documents_service.get_document(session, tenant, document_id)
    clearance = document.clearance or {}
    status = clearance.get("status")
    if status == "pending":
        return timedelta(seconds=30)
    if status in ("rejected", "failed"):
        said = "; ".join(e.get("message", "") for e in clearance.get("errors") or [])
        return f"the document was not cleared ({status}): {said}"
    return None
