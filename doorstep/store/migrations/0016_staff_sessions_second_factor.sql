-- Staff sessions opened before the second factor (TOTP) and the 12-hour staff session existed
-- ran for 30 days on an SMS code alone: end them, so every staff session from now on was
-- opened with the second factor (where it is required) and is short.
update sessions set revoked_at = now()
where staff_id is not null and revoked_at is null;
