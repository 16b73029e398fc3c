-- The fleet's store: one row per (instance, key) in each space, so every gateway writes only its
-- own rows and a retried batch overwrites what it wrote before instead of adding to it.
-- `key` and `value` are the bytes the writer gives (record chunks, versioned JSON); the typed
-- columns beside them are decoded from those values, for SQL over the whole fleet.

CREATE TABLE shadowgate_records (
    instance     text    NOT NULL,
    day          date    NOT NULL,
    key          bytea   NOT NULL,  -- the first record id of the chunk (time, sequence)
    record_count integer NOT NULL,  -- records in the chunk, from its header
    value        bytea   NOT NULL,
    PRIMARY KEY (instance, key)
);
CREATE INDEX shadowgate_records_day ON shadowgate_records (instance, day);

-- Absolute totals of each instance: a fleet total is a SUM over instances.
CREATE TABLE shadowgate_counters (
    instance      text   NOT NULL,
    key           bytea  NOT NULL,
    strategy      text   NOT NULL,
    matches       bigint NOT NULL,
    mismatches    bigint NOT NULL,
    shadow_errors bigint NOT NULL,
    unencodable   bigint NOT NULL,
    skipped       bigint NOT NULL,
    value         bytea  NOT NULL,
    PRIMARY KEY (instance, key)
);

CREATE TABLE shadowgate_groups (
    instance  text   NOT NULL,
    key       bytea  NOT NULL,
    strategy  text   NOT NULL,
    signature text   NOT NULL,
    count     bigint NOT NULL,
    value     bytea  NOT NULL,
    PRIMARY KEY (instance, key)
);

CREATE TABLE shadowgate_suppressed (
    instance text  NOT NULL,
    key      bytea NOT NULL,
    strategy text  NOT NULL,
    value    bytea NOT NULL,
    PRIMARY KEY (instance, key)
);

CREATE TABLE shadowgate_series (
    instance    text    NOT NULL,
    key         bytea   NOT NULL,  -- hour first, so retention deletes a key range
    hour        integer NOT NULL,  -- hours since the epoch, UTC
    strategy    text    NOT NULL,
    signature   text,              -- NULL for the strategy's own series
    comparisons bigint  NOT NULL,
    failures    bigint  NOT NULL,
    value       bytea   NOT NULL,
    PRIMARY KEY (instance, key)
);
