-- The global hourly budget of log-in codes counts every code of the last hour: by time alone.
create index login_codes_created on login_codes (created_at);
