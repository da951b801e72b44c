"""What runs when, in one place: the consumers of the event log, the kinds of background job
and the periodic tasks. The mechanisms (events/, jobs/, worker/) know none of their users;
every process entry — `create_app`, `faktura worker`, the CLI — calls `wire()` first.
"""

from faktura.accounting import service as accounting
from faktura.clearance import jobs as clearance_jobs
from faktura.clearance import service as clearance
from faktura.documents import jobs as documents_jobs
from faktura.email import jobs as email_jobs
from faktura.events.service import register_consumer
from faktura.jobs.kinds import registry
from faktura.payment_links import jobs as payment_links_jobs
from faktura.payment_links import service as payment_links
from faktura.pdfs import jobs as pdfs_jobs
from faktura.webhooks import fanout
from faktura.webhooks import jobs as webhooks_jobs
from faktura.worker import schedule

_wired = False


def wire() -> None:
    global _wired
    if _wired:
        return
    # Order matters only for reading: both run in the event's transaction.
    register_consumer("webhooks.fanout", fanout.enqueue_deliveries)
    register_consumer("accounting.feed", accounting.record_change)
    register_consumer("pdfs.archive", pdfs_jobs.enqueue_on_issue)
    register_consumer("payment_links.refund", payment_links.enqueue_provider_refund)
    register_consumer("clearance.submit", clearance.on_issue)
    register_consumer("clearance.cancel", clearance.on_cancel)
    webhooks_jobs.register(registry)
    documents_jobs.register(registry)
    pdfs_jobs.register(registry)
    email_jobs.register(registry)
    payment_links_jobs.register(registry)
    clearance_jobs.register(registry)
    schedule.register(registry)
    _wired = True
