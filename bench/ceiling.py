"""The machine's ceiling for this stack: the least a FastAPI + SQLAlchemy request can cost.

Served exactly like Faktura (uvicorn, same worker count, same engine settings from
`faktura.db.session`, same database), so Faktura's figures divided by these are ratios that
survive a noisy machine:

- POST /echo        validate a ~1 KB JSON body with Pydantic and send it back;
- POST /rows        insert one row with the ORM in a write transaction and return it;
- GET  /rows/{id}   select one row by primary key in a read transaction.

Run: uvicorn ceiling:create_app --factory --app-dir bench  (FAKTURA_DATABASE_URL set).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.db.session import database_from_url
from faktura.db.types import ExactDecimal, UTCDateTime


class CeilingBase(DeclarativeBase):
    pass


class CeilingRow(CeilingBase):
    __tablename__ = "bench_ceiling_rows"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EchoLine(BaseModel):
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


class EchoBody(BaseModel):
    customer_id: uuid.UUID
    customer_name: str
    currency: str
    notes: str
    line_items: list[EchoLine]


class RowIn(BaseModel):
    name: str
    amount: Decimal


class RowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    amount: Decimal
    created_at: datetime


def create_app() -> FastAPI:
    settings = Settings()  # the same FAKTURA_* settings as the server measured beside it
    db = database_from_url(settings.database_url, settings.database_pool_size)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await db.dispose()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo")
    async def echo(body: EchoBody) -> EchoBody:
        return body

    @app.post("/rows", status_code=201)
    async def insert_row(body: RowIn) -> RowOut:
        async with db.transaction() as session:
            row = CeilingRow(name=body.name, amount=body.amount)
            session.add(row)
            await session.flush()
            return RowOut.model_validate(row)

    @app.get("/rows/{row_id}")
    async def select_row(row_id: uuid.UUID) -> RowOut:
        async with db.transaction(writes=False) as session:
            row = await session.get(CeilingRow, row_id)
            if row is None:
                raise HTTPException(404)
            return RowOut.model_validate(row)

    return app
