-- Spaces added after the fleet tables: encrypted raw payloads of failing cases (replay) and
-- batch reconciliation runs. Opaque to SQL: the writer's bytes, one row per (instance, key).
CREATE TABLE shadowgate_payloads (
    instance text  NOT NULL,
    key      bytea NOT NULL,  -- the record id the payload belongs to
    value    bytea NOT NULL,  -- sealed (AES-256-GCM), with its key id
    PRIMARY KEY (instance, key)
);

CREATE TABLE shadowgate_reconciles (
    instance text  NOT NULL,
    key      bytea NOT NULL,
    value    bytea NOT NULL,
    PRIMARY KEY (instance, key)
);
