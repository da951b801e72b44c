"""Prometheus metrics of the HTTP API, the job queue and webhook deliveries, one registry per
application.

The queue's and the deliveries' figures are read from the database when scraped, so every
process shows the same figures whichever worker runs the jobs.
"""

from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "faktura_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "faktura_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.jobs = Gauge(
            "faktura_jobs",
            "Jobs by kind and status: queued (waiting or due), running, failed (out of attempts, "
            "kept until retried)",
            ["kind", "status"],
            registry=self.registry,
        )
        self.jobs_retrying = Gauge(
            "faktura_jobs_retrying",
            "Queued jobs whose last run failed and that wait for their next attempt",
            ["kind"],
            registry=self.registry,
        )
        self.jobs_oldest_due = Gauge(
            "faktura_jobs_oldest_due_seconds",
            "Age of the oldest due job that no worker has taken yet (0: none waiting)",
            ["kind"],
            registry=self.registry,
        )
        self.webhook_deliveries = Gauge(
            "faktura_webhook_deliveries",
            "Webhook deliveries by status: pending (waiting for an attempt, retries included) "
            "and failed (out of attempts or endpoint disabled; kept until retried)",
            ["status"],
            registry=self.registry,
        )
        self.webhook_oldest_due = Gauge(
            "faktura_webhook_oldest_due_seconds",
            "How long the most overdue pending delivery has been due (0: none overdue)",
            registry=self.registry,
        )
        self.webhook_endpoints = Gauge(
            "faktura_webhook_endpoints",
            "Webhook endpoints by state: active, or disabled (by hand or after failing too long)",
            ["state"],
            registry=self.registry,
        )

    def observe_webhooks(self, stats: dict[str, Any] | None, now: datetime) -> None:
        for gauge in (self.webhook_deliveries, self.webhook_oldest_due, self.webhook_endpoints):
            gauge.clear()
        if stats is None:
            return
        self.webhook_deliveries.labels("pending").set(stats["pending"])
        self.webhook_deliveries.labels("failed").set(stats["failed"])
        oldest = stats["oldest_due"]
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        self.webhook_oldest_due.set(max(age, 0.0))
        self.webhook_endpoints.labels("active").set(stats["active_endpoints"])
        self.webhook_endpoints.labels("disabled").set(stats["disabled_endpoints"])

    def observe_jobs(self, stats: list[dict[str, Any]], now: datetime) -> None:
        for gauge in (self.jobs, self.jobs_retrying, self.jobs_oldest_due):
            gauge.clear()
        for row in stats:
            kind = row["kind"]
            self.jobs.labels(kind, row["status"]).set(row["count"])
            if row["status"] == "queued":
                self.jobs_retrying.labels(kind).set(row["retrying"])
                oldest = row["oldest_due"]
                age = (now - oldest).total_seconds() if oldest is not None else 0.0
                self.jobs_oldest_due.labels(kind).set(max(age, 0.0))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
