# syntax=docker/dockerfile:1
# Doorstep image: `doorstep serve` by default; the same image runs `doorstep worker` and
# `doorstep migrate` (see fly.toml). Builder and runtime must use the same Python image: the
# venv's interpreter is a symlink to /usr/local/bin/python3.
# The embedded PostgreSQL and Redis of `doorstep dev` are the `dev-servers` extra, which this
# image never installs: a production process cannot start an embedded database by accident.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: resolve nothing, install exactly uv.lock into /app/.venv ----------------------
FROM ${PYTHON_IMAGE} AS builder

RUN pip install --no-cache-dir uv==0.13.9

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy

WORKDIR /src

# dependencies first (a layer that changes only with uv.lock), then the project itself
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --compile-bytecode --no-install-project

COPY doorstep/ ./doorstep/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --compile-bytecode

# ---- runtime --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# tzdata: zoneinfo needs Asia/Shanghai for the working-day clock
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 doorstep \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/doorstep \
        --shell /usr/sbin/nologin doorstep

COPY --from=builder /app/.venv /app/.venv

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app
USER 10001
EXPOSE 8000

CMD ["doorstep", "serve"]
