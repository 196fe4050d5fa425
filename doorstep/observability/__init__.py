"""What the engineer on call sees: Prometheus metrics and structured, masked JSON logs."""
