//! Placeholder, filled by the PostgreSQL test.
