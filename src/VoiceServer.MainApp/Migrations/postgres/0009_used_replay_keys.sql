-- The signed webhooks already let in (a Telnyx signature, a Vonage token id, a handoff request's signature, a Plivo
-- nonce), shared by every instance on this database so a captured request replayed to another instance is refused
-- too. key_hash is the hex SHA-256 of the key (never the signature or token itself); expires_at, in Unix
-- milliseconds, is when the request's timestamp stops passing, after which the key may be taken afresh or swept.
CREATE TABLE IF NOT EXISTS used_replay_keys (
    key_hash text PRIMARY KEY,
    expires_at bigint NOT NULL
);

CREATE INDEX IF NOT EXISTS used_replay_keys_expiry ON used_replay_keys (expires_at);
