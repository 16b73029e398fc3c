//! Rule-driven, field-by-field comparison of two credit decisions.
//!
//! This crate will hold the pure judge of the shadow comparison: `compare(live, shadow, rules)`
//! over `serde_json::Value` decisions (numbers with exact decimal text), the rules a migration team
//! writes (ignore, numeric tolerance, unordered arrays, normalisation, value maps, severity), the
//! signature that groups mismatches, and readable rendering with `similar`. No I/O.
