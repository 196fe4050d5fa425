"""The process's Prometheus metrics, and where they are kept when there are several processes.

Counters and histograms are updated where things happen (a request, a job, an SMS result).
With `PROMETHEUS_MULTIPROC_DIR` set (every `serve` and `worker` started by the CLI sets it, see
`observability.procdir`) each process writes its values to files there and `/metrics` adds
them up; without it (tests, an app made in-process) they live in this process's registry.

What is state rather than an event (outbox rows, the queue, paused channels, crons' last
success, overdue tasks) is read from PostgreSQL and Redis at scrape: `observability.state`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# HTTP and GraphQL latency: tens of milliseconds is normal, seconds is an incident
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "doorstep_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "doorstep_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_OPERATIONS = Counter(
    "doorstep_graphql_operations",
    "GraphQL operations run, by type and first root field",
    ["operation"],
)
GRAPHQL_ERRORS = Counter(
    "doorstep_graphql_errors",
    "GraphQL errors answered, by operation and stable error code",
    ["operation", "code"],
)
GRAPHQL_SECONDS = Histogram(
    "doorstep_graphql_operation_duration_seconds",
    "Time to run a GraphQL operation (parse, validate, execute), by operation",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
OPEN_SOCKETS = Gauge(
    "doorstep_websockets_open",
    "WebSocket connections open now",
    multiprocess_mode="livesum",
)
SUBSCRIPTIONS = Gauge(
    "doorstep_subscriptions_active",
    "Live subscriptions following an application or a citizen now",
    multiprocess_mode="livesum",
)
HUB_LAG = Histogram(
    "doorstep_event_hub_lag_seconds",
    "Time from an event's insert to its read by the event hub (newest event of each read)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0),
)
SMS_RESULTS = Counter(
    "doorstep_sms_results",
    "SMS send attempts, by channel, outcome and the provider's result code",
    ["channel", "outcome", "code"],
)
SMS_RECEIPTS = Counter(
    "doorstep_sms_receipts",
    "Delivery receipts pushed by the provider, by result (delivered, failed, duplicate, "
    "unknown, invalid) and, for failures, the provider's code",
    ["result", "code"],
)
SMS_RECONCILIATIONS = Counter(
    "doorstep_sms_reconciliations",
    "Look-ups at the provider (unrecorded attempts, receipt polls), by result",
    ["kind", "result"],
)
JOB_SECONDS = Histogram(
    "doorstep_job_duration_seconds",
    "Time a background job or cron ran, by job",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0),
)
LOGIN_CODES = Counter(
    "doorstep_login_codes",
    "Log-in code requests, by result (sent, refused) and refusal code",
    ["result", "code"],
)
IDENTITY_CHECKS = Counter(
    "doorstep_identity_checks",
    "Real-identity checks with the provider, by step (start, finish) and outcome (started, "
    "passed, failed, conflict, unavailable) and the provider's code when it failed",
    ["step", "outcome", "code"],
)
FILE_STORE_FAILURES = Counter(
    "doorstep_file_store_failures",
    "Material-file store calls that failed, by operation (put, get, delete) and reason (an "
    "HTTP status and OSS code, timeout, or the transport's error); each refused an upload or "
    "an opening with file.storage_unavailable, or left a retention delete for the next run",
    ["operation", "reason"],
)
STAFF_LOGINS = Counter(
    "doorstep_staff_logins",
    "Staff log-in tries, by result (success, failure) and failure code",
    ["result", "code"],
)


def provider_code(code: str | None) -> str:
    """A provider's result code as a label: short and plain, or "other" (a label value a
    provider could make up without end would make a series each)."""
    if not code:
        return ""
    if len(code) <= 48 and all(c.isascii() and (c.isalnum() or c in "._-") for c in code):
        return code
    return "other"
