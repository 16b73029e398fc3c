-- The last local spool each instance forwarded, written in the transaction that forwards its
-- totals: a gateway that crashed before removing a forwarded spool finds its epoch here after the
-- restart and drops the spool instead of writing older totals over newer ones.
CREATE TABLE shadowgate_spool_forwarded (
    instance     text        PRIMARY KEY,
    epoch        bigint      NOT NULL,
    forwarded_at timestamptz NOT NULL DEFAULT now()
);
