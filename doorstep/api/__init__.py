"""HTTP transport: the Litestar app, health checks, the dev inbox."""
