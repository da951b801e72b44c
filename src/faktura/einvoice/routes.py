"""/v1/invoices/{id}/einvoice and /v1/credit_notes/{id}/einvoice, and their checks."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.schemas import OutputModel
from faktura.core.types import named
from faktura.documents.output import PATHS
from faktura.documents.status import a as article
from faktura.documents.status import label
from faktura.einvoice import service
from faktura.pdfs.routes import store_of

router = api_router("einvoicing")
read = require_scope("documents:read")
Format = Annotated[
    Literal["ubl", "cii", "facturx"],
    named("EinvoiceFormat", "UBL 2.1, UN/CEFACT CII, or Factur-X (PDF/A-3 with the CII inside)"),
]


class MissingTerm(OutputModel):
    term: str = Field(description="The EN 16931 business term, e.g. BT-31")
    field: str = Field(description="The Faktura field that supplies it, e.g. account.tax_id")
    message: str = Field(description="What to do, e.g. 'BT-31 seller VAT identifier: set …'")


class EinvoiceCheck(OutputModel):
    object: Literal["einvoice_check"] = "einvoice_check"
    ready: bool = Field(description="Whether the document makes a valid e-invoice now")
    missing: list[MissingTerm] = Field(description="Each business term it lacks, in order")


_XML: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The e-invoice: XML for ubl and cii, a PDF for facturx",
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _add_routes(target: APIRouter, doc_type: str) -> None:
    path = f"/{PATHS[doc_type]}/{{document_id}}/einvoice"
    a_name = article(label(doc_type))
    document_id_path = Path(description=f"Id of the {label(doc_type)}")

    @target.get(
        path,
        response_class=Response,
        responses={**_XML, **error_responses(409)},
        summary=f"Export {a_name} as an e-invoice",
        name=f"einvoice_of_{doc_type}",
        description="UBL 2.1 with Peppol BIS Billing 3.0 identifiers, CII D16B, or Factur-X (the "
        "archived PDF as PDF/A-3 carrying the CII), with EN 16931 content. "
        "409 for a draft; 422 `validation_error` whose details name each missing business term "
        "and the field that supplies it (see …/einvoice/check).",
    )
    async def einvoice(
        request: Request,
        document_id: Annotated[uuid.UUID, document_id_path],
        format: Format = Query(
            "ubl",
            description="ubl (UBL 2.1, Peppol BIS Billing 3.0), cii (UN/CEFACT CII D16B, EN "
            "16931 profile) or facturx (the PDF as PDF/A-3 with the CII attached, Factur-X EN "
            "16931)",
        ),
        principal: Principal = Depends(read),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        filename, data = await service.export(
            session, principal.tenant, store_of(request), doc_type, document_id, format
        )
        return Response(
            data,
            media_type="application/pdf" if format == service.FACTURX else "application/xml",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @target.get(
        f"{path}/check",
        response_model=EinvoiceCheck,
        responses=error_responses(409),
        summary=f"Check whether {a_name} makes a valid e-invoice",
        name=f"einvoice_check_{doc_type}",
        description="The same list of missing business terms the export refuses with, without "
        "exporting. 409 for a draft.",
    )
    async def check(
        document_id: Annotated[uuid.UUID, document_id_path],
        principal: Principal = Depends(read),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        missing = await service.check(session, principal.tenant, doc_type, document_id)
        shown = [MissingTerm(term=m.term, field=m.field, message=m.message) for m in missing]
        return json_response(EinvoiceCheck(ready=not missing, missing=shown))


for _doc_type in ("invoice", "credit_note"):
    _add_routes(router, _doc_type)
