"""create_app(): routers, middleware, error handlers — nothing else."""

import asyncio
import contextlib
import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from faktura import __version__
from faktura.accounting.routes import router as accounting_router
from faktura.accounts.api_keys import KeyAuthenticator
from faktura.accounts.routes import router as accounts_router
from faktura.api import openapi, route_index
from faktura.api.allowed import RouteTable
from faktura.api.errors import install_error_handlers
from faktura.api.middleware import RequestContextMiddleware
from faktura.api.ratelimit import RateLimiter
from faktura.api.runtime import Runtime
from faktura.clearance import pages as clearance_pages
from faktura.clearance.routes import documents_router as clearance_documents_router
from faktura.clearance.routes import router as clearance_router
from faktura.config import Settings, get_settings
from faktura.customers.routes import routers as customers_routers
from faktura.db.session import database_from_settings
from faktura.documents.routes import router as documents_router
from faktura.einvoice.routes import router as einvoice_router
from faktura.email.routes import router as email_router
from faktura.events.routes import router as events_router
from faktura.items.routes import router as items_router
from faktura.ops.metrics import Metrics
from faktura.ops.routes import router as ops_router
from faktura.payment_links import pages as payment_pages
from faktura.payment_links.routes import router as payment_links_router
from faktura.payments.routes import router as payments_router
from faktura.pdfs import routes as pdfs_routes
from faktura.receivables.routes import router as receivables_router
from faktura.reports.routes import router as reports_router
from faktura.webhooks.routes import router as webhooks_router
from faktura.wiring import wire
from faktura.worker import runner


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    wire()
    runtime = Runtime(
        settings=settings,
        db=database_from_settings(settings),
        limiter=RateLimiter(settings.redis_url, settings.rate_limit_timeout_seconds),
        metrics=Metrics(),
        keys=KeyAuthenticator(settings.auth_cache_seconds),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop_worker = asyncio.Event()
        worker = None
        if settings.worker_in_process:
            worker = asyncio.create_task(
                runner.run_forever(
                    runtime.db,
                    settings,
                    stop_worker,
                    scheduler=settings.scheduler_interval_seconds > 0,
                )
            )
        # What start-up made (modules, routes, mappers, schemas) lives as long as the process:
        # the cyclic collector need not scan it again on every full collection.
        gc.freeze()
        yield
        if worker is not None:
            stop_worker.set()  # jobs in flight finish (each within its timeout)
            # Past the wait the worker is cancelled: leases run out, another worker reruns.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker, settings.webhook_timeout_seconds + 5)
        await runtime.db.dispose()

    app = FastAPIOffline(
        title="Faktura API",
        version=__version__,
        description=openapi.DESCRIPTION,
        openapi_tags=openapi.TAGS,
        generate_unique_id_function=openapi.operation_id,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url="/redoc",
    )
    app.state.runtime = runtime
    # A request is matched against the routers that hold paths beginning as its own does
    # (api/route_index.py), in this order.
    routers = (
        documents_router,
        payments_router,
        *customers_routers,
        items_router,
        receivables_router,
        reports_router,
        events_router,
        webhooks_router,
        accounting_router,
        accounts_router,
        pdfs_routes.router,
        pdfs_routes.account_router,
        email_router,
        einvoice_router,
        payment_links_router,
        clearance_router,
        clearance_documents_router,
        clearance_pages.router,
        payment_pages.router,
        ops_router,
    )
    for router in routers:
        app.include_router(router)
    route_index.install(app.router)
    app.state.route_table = RouteTable(
        [*app.router.routes, *(route for router in routers for route in router.routes)]
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        metrics=runtime.metrics,
        large_bodies=pdfs_routes.LARGE_BODIES,
        form_paths=[re.compile(payment_pages.FORM_PATHS)],
    )
    openapi.install(app)
    return app
