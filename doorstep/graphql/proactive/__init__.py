"""Services that find people (服务找人) in GraphQL: offers with their reasons, accept / dismiss /
appeal, opt-outs; rules for supervisors (dry-run, publish); appeal reviews and welfare visits.
One module per service module of `services.proactive` (`types` mirrors its `views`)."""
