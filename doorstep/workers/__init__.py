"""arq worker: notification delivery and the crons that keep the outbox moving."""
