-- Login throttling per (username, client address) and per username ('' as
-- the address); unknown usernames are counted the same as real ones.
CREATE TABLE login_throttle (
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (username, ip)
);

-- API tokens may end on a date of their owner's choosing.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_account ON api_tokens (account_id);
