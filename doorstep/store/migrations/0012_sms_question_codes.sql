-- An SMS that asks a question carries an extend code (Aliyun SmsUpExtendCode) so that the reply,
-- which comes back with it in dest_code, answers that very question.
alter table outbox add column extend_code text
    check (extend_code is null or extend_code ~ '^[0-9]{1,7}$');
