"""/v1/reports/balance and /v1/reports/aging."""

import uuid
import zoneinfo
from datetime import date

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts import service as accounts_service
from faktura.api.auth import Principal
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.core.clock import utcnow
from faktura.core.types import IsoDate
from faktura.reports import schemas, service

router = api_router("reports")
read = require_scope("reports:read")


async def _as_of(session: AsyncSession, principal: Principal, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return utcnow().astimezone(zoneinfo.ZoneInfo(account.timezone)).date()


@router.get(
    "/reports/balance",
    response_model=schemas.BalanceReport,
    summary="What is owed, per currency",
    description="Per currency: the amount due of open invoices (pending, overdue, partial, in "
    "dispute, in a payment plan), the part of it overdue on `as_of`, unapplied payment credit "
    "and the number of open invoices. Sums, not pages. Needs `reports:read`.",
)
async def balance_report(
    as_of: IsoDate | None = Query(
        None,
        description="Date that decides what is overdue, `YYYY-MM-DD`; today "
        "in the account's time zone if omitted",
    ),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    day = await _as_of(session, principal, as_of)
    data = await service.balance(session, principal.tenant, day, customer_id)
    return json_response(
        {"object": "balance", "as_of": day, "customer_id": customer_id, "data": data}
    )


@router.get(
    "/reports/aging",
    response_model=schemas.AgingReport,
    summary="Amounts due by days past due, per currency and customer",
    description="Per currency, and per customer inside it, the amount due of open invoices "
    "split into not yet due on `as_of` and 1–30, 31–60, 61–90 and over 90 days past due. "
    "Sums, not pages. Needs `reports:read`.",
)
async def aging_report(
    as_of: IsoDate | None = Query(
        None,
        description="Date the ages are counted to, `YYYY-MM-DD`; today in the account's time "
        "zone if omitted",
    ),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    day = await _as_of(session, principal, as_of)
    data = await service.aging(session, principal.tenant, day, customer_id)
    return json_response(
        {"object": "aging", "as_of": day, "customer_id": customer_id, "data": data}
    )
