"""/v1/disputes and /v1/payment_plans."""

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts import service as accounts_service
from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.schemas import ListResponse, NoFields
from faktura.documents.service import account_today
from faktura.receivables import schemas, service

router = api_router("receivables")
read = require_scope("payments:read")
write = require_scope("payments:write")

DisputeId = Annotated[uuid.UUID, Path(description="Id of the dispute")]
PlanId = Annotated[uuid.UUID, Path(description="Id of the payment plan")]


async def _today(session: AsyncSession, principal: Principal) -> date:
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return account_today(account)


@router.post(
    "/disputes",
    response_model=schemas.Dispute,
    status_code=201,
    summary="Open a dispute on an invoice",
    description="The invoice becomes `in_dispute`: payments still count, its status "
    "holds until the dispute is resolved.",
)
async def open_dispute(
    body: schemas.DisputeCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    dispute = await service.open_dispute(session, principal.tenant, body)
    currency = await service.dispute_currency(session, principal.tenant, dispute)
    return json_response(schemas.dispute_out(dispute, currency), status_code=201)


@router.get(
    "/disputes",
    response_model=ListResponse[schemas.Dispute],
    summary="List disputes",
    description="Disputes of this account and mode, open and resolved, newest first; filter by "
    "invoice or status. Page with `page` or the `starting_after`/`ending_before` cursors. Needs "
    "`payments:read`.",
)
async def list_disputes(
    params: PageParams = Depends(page_params),
    invoice_id: uuid.UUID | None = Query(None, description="Only this invoice's disputes"),
    status: Literal["open", "upheld", "rejected"] | None = Query(
        None, description="Only disputes in this status"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_disputes(
        session, principal.tenant, params, invoice_id=invoice_id, status=status
    )
    items = [
        schemas.dispute_out(d, await service.dispute_currency(session, principal.tenant, d))
        for d in page.items
    ]
    return json_response(page.as_response(items))


@router.get(
    "/disputes/{dispute_id}",
    response_model=schemas.Dispute,
    summary="Retrieve a dispute",
    description="One dispute with its invoice, amount, reason and status (`open`, `upheld` or "
    "`rejected`), and the credit note issued when it was upheld. Needs `payments:read`.",
)
async def retrieve_dispute(
    dispute_id: DisputeId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    dispute = await service.get_dispute(session, principal.tenant, dispute_id)
    currency = await service.dispute_currency(session, principal.tenant, dispute)
    return json_response(schemas.dispute_out(dispute, currency))


@router.post(
    "/disputes/{dispute_id}/resolve",
    response_model=schemas.Dispute,
    summary="Resolve a dispute",
    description="`upheld` issues a credit note for the disputed amount (capped at what "
    "is still due); `rejected` leaves the invoice owed. The invoice's status follows "
    "its money again.",
)
async def resolve_dispute(
    dispute_id: DisputeId,
    body: schemas.DisputeResolve,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    dispute, currency = await service.resolve_dispute(session, principal.tenant, dispute_id, body)
    return json_response(schemas.dispute_out(dispute, currency))


@router.post(
    "/payment_plans",
    response_model=schemas.PaymentPlan,
    status_code=201,
    summary="Enroll an invoice in a payment plan",
    description="Installments must add up exactly to the invoice's amount_due (or "
    "`count` + `interval` generates them, the remainder on the last). The invoice "
    "becomes `in_payment_plan` until it is paid or the plan is cancelled.",
)
async def enroll_payment_plan(
    body: schemas.PaymentPlanCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    today = await _today(session, principal)
    plan = await service.enroll_plan(session, principal.tenant, body, today)
    currency = await service.plan_currency(session, principal.tenant, plan)
    return json_response(schemas.plan_out(plan, currency, today), status_code=201)


@router.get(
    "/payment_plans",
    response_model=ListResponse[schemas.PaymentPlan],
    summary="List payment plans",
    description="Payment plans of this account and mode, newest first, each with its "
    "installments as of today in the account's time zone; filter by invoice or status. Page "
    "with `page` or the `starting_after`/`ending_before` cursors. Needs `payments:read`.",
)
async def list_payment_plans(
    params: PageParams = Depends(page_params),
    invoice_id: uuid.UUID | None = Query(None, description="Only this invoice's plans"),
    status: Literal["active", "completed", "cancelled"] | None = Query(
        None, description="Only plans in this status"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    today = await _today(session, principal)
    page = await service.list_plans(
        session, principal.tenant, params, invoice_id=invoice_id, status=status
    )
    items = [
        schemas.plan_out(p, await service.plan_currency(session, principal.tenant, p), today)
        for p in page.items
    ]
    return json_response(page.as_response(items))


@router.get(
    "/payment_plans/{plan_id}",
    response_model=schemas.PaymentPlan,
    summary="Retrieve a payment plan, with each installment's state",
    description="Payments fill the installments in date order; each shows what it has received "
    "and its status (paid, partial, pending, or overdue once its due date has passed in the "
    "account's time zone), and the plan counts its overdue installments. Needs `payments:read`.",
)
async def retrieve_payment_plan(
    plan_id: PlanId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    plan = await service.get_plan(session, principal.tenant, plan_id)
    currency = await service.plan_currency(session, principal.tenant, plan)
    return json_response(schemas.plan_out(plan, currency, await _today(session, principal)))


@router.post(
    "/payment_plans/{plan_id}/cancel",
    response_model=schemas.PaymentPlan,
    summary="Cancel a payment plan",
    description="The invoice's status follows its money again.",
)
async def cancel_payment_plan(
    plan_id: PlanId,
    body: NoFields | None = None,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    plan = await service.cancel_plan(session, principal.tenant, plan_id)
    currency = await service.plan_currency(session, principal.tenant, plan)
    return json_response(schemas.plan_out(plan, currency, await _today(session, principal)))
