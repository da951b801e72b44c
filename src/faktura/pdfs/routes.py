"""GET and act on the PDF of every document type; the account's logo and branding preview."""

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts.schemas import Account, account_out
from faktura.api.auth import Principal
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope, write_after
from faktura.api.runtime import runtime_of
from faktura.documents import schemas as documents_schemas
from faktura.documents.output import PATHS, document_out
from faktura.documents.service import label
from faktura.documents.status import a as article
from faktura.pdfs import service
from faktura.pdfs.schemas import (
    BrandingPreview,
    LogoUpload,
    PdfAction,
    PdfActionName,
)
from faktura.pdfs.storage import FileStore, file_store

# A PDF upload (10 MiB, base64) and a logo (1 MiB) are over the usual 1 MiB body limit.
LARGE_BODIES = (
    (
        re.compile(r"^/v1/(invoices|quotes|credit_notes|receipts)/[^/]+(/pdf)?$"),
        15 * 1024 * 1024,
    ),
    (re.compile(r"^/v1/account/logo$"), 2 * 1024 * 1024),
)

router = api_router("documents")
account_router = api_router("account")
read = require_scope("documents:read")
write = require_scope("documents:write")

_PDF_CONTENT = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
_PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The PDF", "content": _PDF_CONTENT},
}
_CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag given in If-None-Match is current"}
}
ACTIONS_409: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "invalid_state: a draft's PDF is never stored (issue it first); "
        "generate_pdf over an uploaded PDF (delete_pdf first)"
    }
}


def store_of(request: Request) -> FileStore:
    return file_store(runtime_of(request).settings)


def _wanted_hashes(if_none_match: str | None) -> list[str]:
    """The hashes an If-None-Match names (our ETags are the quoted SHA-256)."""
    if if_none_match is None:
        return []
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return [tag.strip('"') for tag in tags if tag]


def _pdf_response(pdf: service.PdfFile) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{pdf.filename}"'}
    if not pdf.archived:  # a draft's: rendered now, changes with every edit
        headers["Cache-Control"] = "no-store"
        return Response(pdf.data, media_type="application/pdf", headers=headers)
    headers["ETag"] = f'"{pdf.sha256}"'
    headers["Cache-Control"] = "private, no-cache"
    return Response(pdf.data, media_type="application/pdf", headers=headers)


async def act(
    session: AsyncSession,
    principal: Principal,
    store: FileStore,
    doc_type: str,
    document_id: uuid.UUID,
    action: PdfActionName,
    pdf_base64: str | None,
) -> Response:
    tenant = principal.tenant
    if action == "generate_pdf":
        document = await service.generate(session, tenant, store, doc_type, document_id)
    elif action == "upload_pdf":
        document = await service.upload(
            session, tenant, store, doc_type, document_id, pdf_base64 or ""
        )
    else:
        document = await service.delete(session, tenant, doc_type, document_id)
    return json_response(document_out(document))


def _add_routes(target: APIRouter, doc_type: str) -> None:
    path = f"/{PATHS[doc_type]}/{{document_id}}"
    name = label(doc_type)
    a_name = article(name)
    document_id_path = Path(description=f"Id of the {name}")

    @target.get(
        f"{path}/pdf",
        response_class=Response,
        responses={**_PDF_RESPONSE, **_CACHED},
        summary=f"Download the PDF of {a_name}",
        name=f"pdf_of_{doc_type}",
        description="An issued document's archived PDF (archived now if the job has not run "
        "yet), with its SHA-256 as ETag: If-None-Match answers 304. A draft's is rendered on "
        "each request, marked DRAFT, and never stored.",
    )
    async def pdf(
        request: Request,
        document_id: Annotated[uuid.UUID, document_id_path],
        principal: Principal = Depends(read),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        wanted = _wanted_hashes(request.headers.get("if-none-match"))
        found = await service.pdf_of(
            session,
            principal.tenant,
            store_of(request),
            doc_type,
            document_id,
            unless_sha256=wanted[0] if len(wanted) == 1 else None,
            record=False,
        )
        if found is not None and found.unrecorded:
            data, tenant, made_from = found.data, principal.tenant, found.made_from
            write_after(
                request,
                lambda session: service.record_generated(
                    session, tenant, document_id, data, made_from
                ),
            )
        if found is None:
            return Response(status_code=304, headers={"ETag": f'"{wanted[0]}"'})
        if found.archived and (found.sha256 in wanted or "*" in wanted):
            return Response(status_code=304, headers={"ETag": f'"{found.sha256}"'})
        return _pdf_response(found)

    @target.post(
        f"{path}/pdf",
        response_model=documents_schemas.Document,
        responses=ACTIONS_409,
        summary=f"Generate, upload or delete the PDF of {a_name}",
        name=f"pdf_action_{doc_type}",
        description="`generate_pdf` renders and archives the PDF now; `upload_pdf` keeps your "
        "own PDF (`pdf_base64`, at most 10 MiB) instead; `delete_pdf` forgets the stored one, "
        "which goes back to `pending` for the job to render again. A draft has no stored PDF "
        "(409 invalid_state). Answers the document. Needs `documents:write`.",
    )
    async def pdf_action(
        request: Request,
        document_id: Annotated[uuid.UUID, document_id_path],
        body: PdfAction,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        return await act(
            session,
            principal,
            store_of(request),
            doc_type,
            document_id,
            body.action,
            body.pdf_base64,
        )


for _doc_type in PATHS:
    _add_routes(router, _doc_type)


@account_router.post(
    "/account/logo",
    response_model=Account,
    summary="Upload the logo printed on documents",
    description="PNG or JPEG, at most 1 MiB and 16 to 4000 pixels a side; SVG is refused. "
    "Documents archived before keep the logo they were printed with.",
)
async def upload_logo(
    request: Request,
    body: LogoUpload,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    account = await service.set_logo(session, principal.tenant, store_of(request), body.logo_base64)
    return json_response(account_out(account))


@account_router.delete(
    "/account/logo",
    response_model=Account,
    summary="Remove the logo from documents",
    description="PDFs rendered from now on carry no logo; documents archived before keep the "
    "logo they were printed with. Records `account.updated` in both modes. Needs "
    "`account:write`.",
)
async def remove_logo(
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    return json_response(account_out(await service.remove_logo(session, principal.tenant)))


@account_router.post(
    "/account/branding/preview",
    response_class=Response,
    responses=_PDF_RESPONSE,
    summary="Preview the branding on a PDF",
    description="Renders a document of the account (any status), or a sample invoice, with "
    "the account's branding or the `branding` given (tried, not saved). Nothing is stored.",
)
async def preview_branding(
    request: Request,
    body: BrandingPreview,
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    branding = body.branding.model_dump(exclude_none=True) if body.branding else None
    data = await service.preview(
        session, principal.tenant, store_of(request), branding, body.document_id
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="preview.pdf"',
            "Cache-Control": "no-store",
        },
    )
