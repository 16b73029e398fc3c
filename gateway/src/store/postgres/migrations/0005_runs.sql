-- Each instance's last run: marked when a gateway starts (under the instance lock) and stopped
-- when it closes its store. A start that finds `stopped_at` empty knows the previous run was
-- killed, crashed or lost power, and says what it may have lost (store/run.rs).
CREATE TABLE shadowgate_runs (
    instance   text        PRIMARY KEY,
    -- The run's start in microseconds since the epoch (the gateway's clock): with `pid`, the
    -- run's identity, so a stop marks only its own run.
    run        bigint      NOT NULL,
    pid        bigint      NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz
);
