//! COBOL copybook import: a copybook's records → a layout file (TOML) for this crate.
//!
//! A bank integrator writes layouts from the legacy system's record definitions, usually COBOL
//! copybooks. [`import`] reads them (fixed-form columns, continuation lines, comments) and writes
//! a layout whose every field carries, as a comment, the copybook line it comes from. What a
//! copybook cannot say (the framing, the header's message code field, which value selects a
//! REDEFINES alternative) comes from [`ImportOptions`] or is left as a comment to complete.
//! Errors give the line and column, and what was expected and found.
//!
//! # Layout
//! - `source`: fixed-form columns and continuation lines → one logical text with positions.
//! - `lexer`: words, literals and separator periods (winnow).
//! - `picture`: `PIC` strings → text, national, numeric (digits, signed scale) or edited (winnow).
//! - `parse`, `clauses`: data description entries and their clauses.
//! - `tree`: level numbers → records of groups and elementary items.
//! - `leaf`, `lower`, `names`: items → layout fields (types, OCCURS, REDEFINES, flattening,
//!   names and count fields), in the `model` types.
//! - `emit`, `import`: the TOML text; `options`: what the copybook does not say; `error`.

mod clauses;
mod emit;
mod error;
mod import;
mod leaf;
mod lexer;
mod lower;
mod model;
mod names;
mod options;
mod parse;
mod picture;
mod source;
mod tree;

pub use self::error::{CopybookError, ErrorKind, ImportError};
pub use self::import::{import, warnings};
pub use self::options::{CopybookFile, FramingOptions, ImportOptions};
pub use self::source::SourceFormat;
