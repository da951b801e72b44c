"""Request and response shapes of an account's clearance settings."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from faktura.api.schemas import InputModel, OutputModel
from faktura.clearance.models import ClearanceSettings
from faktura.core.types import named

Provider = Annotated[
    Literal["mydata", "il_ita"],
    named("ClearanceProvider", "The tax authority: Greece's myDATA (AADE) or Israel's ITA"),
]
Environment = Annotated[
    Literal["sandbox", "production"],
    named("ClearanceEnvironment", "The authority's sandbox or its production system"),
]


class ClearanceCredentials(InputModel):
    user_id: str | None = Field(
        None, min_length=1, max_length=200, description="myDATA: the aade-user-id (username)"
    )
    subscription_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="myDATA: the Ocp-Apim-Subscription-Key of the user's subscription",
    )
    client_id: str | None = Field(
        None, min_length=1, max_length=200, description="ITA: the application's client id"
    )
    client_secret: str | None = Field(
        None, min_length=1, max_length=200, description="ITA: the application's client secret"
    )


class IncomeClassification(InputModel):
    category: str = Field(
        pattern=r"^category1_(?:[1-9]|10|95)$|^category3$",
        description="myDATA's classification category, e.g. category1_3 (services)",
    )
    type: str = Field(
        pattern=r"^E3_[0-9_]{3,7}$",
        description="myDATA's classification type, e.g. E3_561_001 (sales to businesses)",
    )


class MydataOptions(InputModel):
    supply: Literal["goods", "services"] = Field(
        "services",
        description="What the account sells: picks the invoice type (1.x goods, 2.x services) "
        "and the default income classification (category1_1 or category1_3)",
    )
    income_classification: IncomeClassification | None = Field(
        None,
        description="The classification of every row; by default the category of `supply` and "
        "the type of the buyer (E3_561_001 Greek business, E3_561_005 EU, E3_561_006 abroad, "
        "E3_561_003 retail)",
    )
    vat_exemption_category: StrictInt | None = Field(
        None,
        ge=1,
        le=31,
        description="myDATA's VAT exemption category (1–31) of rows without VAT; required "
        "when a document has one",
    )
    payment_method: StrictInt = Field(
        5, ge=1, le=8, description="myDATA's payment method type of invoices (5: on credit)"
    )


class ItaOptions(InputModel):
    software_registration_number: str | None = Field(
        None,
        pattern=r"^[0-9]{1,9}$",
        description="The ITA registration number of the software issuing the invoices "
        "(Accounting_Software_Number); required to request allocation numbers",
    )


_NEEDED = {"mydata": ("user_id", "subscription_key"), "il_ita": ("client_id", "client_secret")}


class ClearanceSettingsIn(InputModel):
    provider: Provider = Field(
        description="mydata: Greece's AADE; il_ita: the Israel Tax Authority (allocation numbers)"
    )
    environment: Environment = Field(
        "sandbox", description="sandbox or production; test mode accepts only sandbox"
    )
    require_before_send: StrictBool = Field(
        False,
        description="Messages of a document awaiting clearance wait for it; one rejected or "
        "failed is not sent (the message fails with the reason)",
    )
    base_url: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https?://",
        description="Reach the authority here instead of its own address (a test server)",
    )
    credentials: ClearanceCredentials | None = Field(
        None,
        description="Write-only; required the first time and when the provider changes, "
        "otherwise the stored ones are kept",
    )
    mydata: MydataOptions = Field(
        default_factory=MydataOptions, description="What myDATA needs beyond the document"
    )
    il_ita: ItaOptions = Field(
        default_factory=ItaOptions, description="What the Israel Tax Authority needs"
    )

    def options_of(self) -> dict[str, Any]:
        chosen = self.mydata if self.provider == "mydata" else self.il_ita
        return chosen.model_dump(mode="json", exclude_none=True)

    @model_validator(mode="after")
    def _complete_credentials(self) -> "ClearanceSettingsIn":
        if self.credentials is not None:
            needed = _NEEDED[self.provider]
            missing = [name for name in needed if getattr(self.credentials, name) is None]
            if missing:
                raise ValueError(f"{self.provider} credentials need {', '.join(missing)}")
        return self


class ClearanceSettingsOut(OutputModel):
    object: Literal["clearance_settings"] = "clearance_settings"
    provider: Provider = Field(description="The authority that clears this mode's documents")
    environment: Environment = Field(description="sandbox or production")
    livemode: bool = Field(description="The mode whose documents it clears")
    require_before_send: bool = Field(description="Whether sends wait for clearance")
    base_url: str | None = Field(description="Where the authority is reached instead")
    credentials_set: bool = Field(description="Always true: credentials are never shown")
    authorized: bool | None = Field(
        description="il_ita: whether the account owner granted access (POST "
        "/v1/account/clearance/authorization); null for mydata"
    )
    mydata: dict[str, Any] | None = Field(description="The myDATA options in force")
    il_ita: dict[str, Any] | None = Field(description="The ITA options in force")
    created_at: datetime = Field(description="Created (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def settings_out(row: ClearanceSettings) -> ClearanceSettingsOut:
    return ClearanceSettingsOut(
        provider=row.provider,
        environment=row.environment,
        livemode=row.livemode,
        require_before_send=row.require_before_send,
        base_url=row.base_url,
        credentials_set=True,
        authorized=(row.tokens_encrypted is not None) if row.provider == "il_ita" else None,
        mydata=dict(row.options) if row.provider == "mydata" else None,
        il_ita=dict(row.options) if row.provider == "il_ita" else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ClearanceSettingsDeleted(OutputModel):
    object: Literal["clearance_settings"] = "clearance_settings"
    deleted: Literal[True] = Field(True, description="Always true")


class ClearanceAuthorization(OutputModel):
    object: Literal["clearance_authorization"] = "clearance_authorization"
    url: str = Field(
        description="Send the account owner here: ITA asks them to grant Faktura access, then "
        "returns them to Faktura's callback, which keeps the tokens"
    )
    redirect_uri: str = Field(
        description="The callback ITA returns to: register it with the application at ITA"
    )
