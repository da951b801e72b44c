"""Request bodies of the PDF actions, the logo and the branding preview."""

import uuid
from typing import Literal

from pydantic import Field, model_validator

from faktura.accounts.schemas import BrandingIn
from faktura.api.schemas import InputModel
from faktura.core.types import field_error

PdfActionName = Literal["generate_pdf", "upload_pdf", "delete_pdf"]
_BASE64 = Field(
    None,
    max_length=14 * 1024 * 1024,
    description="upload_pdf: the PDF, base64 (standard alphabet); a real PDF of at most 10 MiB",
)


def pdf_base64_problem(action: str, pdf_base64: str | None) -> str | None:
    """What is wrong with `pdf_base64` for `action`, if anything: only an upload takes the
    bytes, and an upload needs them."""
    if action == "upload_pdf" and not pdf_base64:
        return "upload_pdf needs the PDF in pdf_base64"
    if action != "upload_pdf" and pdf_base64 is not None:
        return "only upload_pdf takes pdf_base64"
    return None


class PdfAction(InputModel):
    action: PdfActionName = Field(
        description="generate_pdf: render and archive now (409 over an uploaded PDF; again over "
        "a generated one changes nothing while the document is unchanged); upload_pdf: keep "
        "your own PDF instead; delete_pdf: forget the PDF (it is generated again)"
    )
    pdf_base64: str | None = _BASE64

    @model_validator(mode="after")
    def _upload_has_bytes(self) -> "PdfAction":
        problem = pdf_base64_problem(self.action, self.pdf_base64)
        if problem is not None:
            raise field_error("pdf_base64", problem)
        return self


class PdfUpload(InputModel):
    """Seed 003's form, `POST /v1/invoices/{id}?action=upload_pdf`: the bytes alone."""

    pdf_base64: str | None = _BASE64


class LogoUpload(InputModel):
    logo_base64: str = Field(
        min_length=1,
        max_length=2 * 1024 * 1024,
        description="The logo, base64: PNG or JPEG, at most 1 MiB, 16 to 4000 pixels a side "
        "(SVG is refused: it can carry scripts and links)",
    )


class BrandingPreview(InputModel):
    branding: BrandingIn | None = Field(
        None, description="Branding to try (not saved); the account's when omitted"
    )
    document_id: uuid.UUID | None = Field(
        None, description="A document of this account to show; a sample invoice when omitted"
    )
