"""Imports every domain's models so that Base.metadata knows all tables (Alembic, tests)."""

from faktura.accounting import models as accounting_models
from faktura.accounts import models as accounts_models
from faktura.api import models as api_models
from faktura.clearance import models as clearance_models
from faktura.customers import models as customers_models
from faktura.db.base import Base
from faktura.documents import models as documents_models
from faktura.email import models as email_models
from faktura.events import models as events_models
from faktura.items import models as items_models
from faktura.jobs import models as jobs_models
from faktura.payment_links import models as payment_links_models
from faktura.payments import models as payments_models
from faktura.receivables import models as receivables_models
from faktura.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "accounting_models",
    "accounts_models",
    "api_models",
    "clearance_models",
    "customers_models",
    "documents_models",
    "email_models",
    "events_models",
    "items_models",
    "jobs_models",
    "payment_links_models",
    "payments_models",
    "receivables_models",
    "webhooks_models",
]
