-- The fleet's audit trail: one hash chain for every gateway (triage changes, cutover sign-offs,
-- reloads and starts), appended to one entry at a time under an advisory lock (ledger.rs).
-- `entry` is the sealed entry as JSON, the bytes a gateway's sled `audit` tree holds, so
-- `shadowgate audit verify` checks the same hashes.
CREATE TABLE shadowgate_audit (
    seq        bigint      PRIMARY KEY,
    entry      text        NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);

-- The values the entries record, written in the same transaction: a group's triage under the
-- `triage` tree, keyed like groups (strategy, NUL, signature), as JSON.
CREATE TABLE shadowgate_audit_values (
    tree  text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (tree, key)
);
