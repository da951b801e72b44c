"""/v1/payments and refunds."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.schemas import ListResponse
from faktura.core.types import IsoDate
from faktura.payments import schemas, service

router = api_router("payments")
read = require_scope("payments:read")
write = require_scope("payments:write")

PaymentId = Annotated[uuid.UUID, Path(description="Id of the payment")]


@router.post(
    "/payments",
    response_model=schemas.Payment,
    status_code=201,
    summary="Record a payment",
    description="Applied to `invoice_id` (as much as it has due) or to `allocations`; "
    "the rest stays on the payment as unapplied credit. Without either it is an "
    "unmatched reconciliation record.",
)
async def record_payment(
    body: schemas.PaymentCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    payment = await service.record_payment(session, principal.tenant, body)
    return json_response(schemas.payment_out(payment), status_code=201)


@router.get(
    "/payments",
    response_model=ListResponse[schemas.Payment],
    summary="List payments",
    description="Payments and unmatched reconciliation records, newest first; "
    "`matched=false` lists what still needs matching to an invoice. Page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `payments:read`.",
)
async def list_payments(
    params: PageParams = Depends(page_params),
    matched: bool | None = Query(None, description="false: what still needs matching"),
    reviewed: bool | None = Query(None, description="Only reviewed or unreviewed payments"),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer's payments"),
    invoice_id: uuid.UUID | None = Query(None, description="Only payments applied to it"),
    paid_from: IsoDate | None = Query(
        None, alias="from", description="Payment date on or after, `YYYY-MM-DD`"
    ),
    paid_to: IsoDate | None = Query(
        None, alias="to", description="Payment date on or before, `YYYY-MM-DD`"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    filters = service.PaymentFilters(matched, reviewed, customer_id, invoice_id, paid_from, paid_to)
    page = await service.list_payments(session, principal.tenant, filters, params)
    return json_response(page.as_response([schemas.payment_out(p) for p in page.items]))


@router.get(
    "/payments/{payment_id}",
    response_model=schemas.Payment,
    summary="Retrieve a payment",
    description="The payment with its allocations to invoices, unapplied amount, refunds and "
    "receipt. Needs `payments:read`.",
)
async def retrieve_payment(
    payment_id: PaymentId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    payment = await service.get_payment(session, principal.tenant, payment_id)
    return json_response(schemas.payment_out(payment))


@router.patch(
    "/payments/{payment_id}",
    response_model=schemas.Payment,
    responses=error_responses(409),
    summary="Match, unmatch or annotate a payment",
    description="`invoice_id` matches the payment (up to the invoice's amount due); "
    "`invoice_id: null` unmatches it, reversing its allocations. 409 invalid_state when there "
    "is nothing to match (no unapplied money, or nothing due on the invoice).",
)
async def update_payment(
    payment_id: PaymentId,
    body: schemas.PaymentUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    payment = await service.update_payment(session, principal.tenant, payment_id, body)
    return json_response(schemas.payment_out(payment))


@router.post(
    "/payments/{payment_id}/refund",
    response_model=schemas.Payment,
    summary="Refund a payment",
    description="Never more than was paid; the invoices it paid become partial or "
    "pending again. Safe to retry with an Idempotency-Key.",
)
async def refund_payment(
    payment_id: PaymentId,
    body: schemas.RefundCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    payment = await service.refund_payment(session, principal.tenant, payment_id, body)
    return json_response(schemas.payment_out(payment))
