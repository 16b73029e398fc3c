//! The layout fields an import produces, before they are written as TOML: each keeps the copybook
//! line it came from, and its size, so frame sizes and REDEFINES lengths can be computed.

use super::parse::NameRef;

/// One layout field (or REDEFINES area, or alternative).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The JSON name (final after [`super::names`] resolves collisions).
    pub name: String,
    /// The COBOL name, upper-cased (`None` for FILLER and for generated names).
    pub cobol: Option<String>,
    /// Names of the non-repeating groups this field was flattened out of, outermost first: the
    /// prefix used when two fields of one level would have the same name.
    pub qual: Vec<String>,
    /// Copybook line.
    pub line: usize,
    /// The comment: line number and the entry as written.
    pub note: String,
    /// What it is.
    pub body: Body,
}

/// The kinds of layout fields an import writes.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// An elementary field.
    Leaf(Leaf),
    /// `OCCURS`: a layout `group`.
    Group {
        /// Fixed or counted.
        repeat: Repeat,
        /// The element's fields.
        fields: Vec<Node>,
    },
    /// `REDEFINES`: one area, several descriptions; the first is the item redefined.
    Redefines {
        /// The area's width: its longest alternative.
        length: usize,
        /// The alternatives, each a [`Body::Object`].
        alternatives: Vec<Node>,
    },
    /// A REDEFINES alternative: named fields.
    Object(Vec<Node>),
}

/// How a table repeats.
#[derive(Debug, Clone)]
pub(crate) enum Repeat {
    /// `OCCURS n TIMES`.
    Fixed(usize),
    /// `OCCURS m TO n TIMES DEPENDING ON x`.
    Count {
        /// The count field as the copybook names it.
        source: NameRef,
        /// The count field's JSON name, once resolved.
        field: String,
        /// `n`.
        max: usize,
        /// Only the actual elements on the wire.
        compact: bool,
    },
}

/// Elementary fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// `PIC X`, `A`, `N`, edited pictures.
    Text {
        /// Bytes.
        len: usize,
        /// `JUSTIFIED RIGHT`.
        right: bool,
    },
    /// Zoned decimal (`USAGE DISPLAY`).
    Number {
        /// Bytes.
        len: usize,
        /// `9`s in the picture.
        digits: usize,
        /// Signed scale (`P` gives negative or beyond-digit scales).
        scale: i32,
        /// The layout's `sign` value.
        sign: &'static str,
    },
    /// `COMP-3`.
    Packed {
        /// Bytes.
        len: usize,
        /// `9`s in the picture.
        digits: usize,
        /// Signed scale.
        scale: i32,
        /// `S` in the picture.
        signed: bool,
    },
    /// `COMP`, `BINARY`, `COMP-4` (with digits) and `COMP-5` (without).
    Binary {
        /// Bytes: 2, 4 or 8.
        len: usize,
        /// The digit bound (`None` for COMP-5).
        digits: Option<usize>,
        /// Signed scale.
        scale: i32,
        /// `S` in the picture.
        signed: bool,
        /// Little-endian (COMP-5 on a little-endian machine).
        little: bool,
    },
    /// `FILLER`.
    Filler {
        /// Bytes.
        len: usize,
        /// Fill byte.
        pad: char,
    },
}

/// A field's size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    /// The largest it can be.
    pub max: usize,
    /// Whether it is always `max`.
    pub fixed: bool,
}

impl Leaf {
    /// Bytes on the wire.
    pub(crate) fn len(&self) -> usize {
        match *self {
            Leaf::Text { len, .. }
            | Leaf::Number { len, .. }
            | Leaf::Packed { len, .. }
            | Leaf::Binary { len, .. }
            | Leaf::Filler { len, .. } => len,
        }
    }
}

impl Node {
    /// The field's size.
    pub(crate) fn size(&self) -> Size {
        match &self.body {
            Body::Leaf(leaf) => Size {
                max: leaf.len(),
                fixed: true,
            },
            Body::Group { repeat, fields } => {
                let element = total(fields);
                match repeat {
                    Repeat::Fixed(n) => Size {
                        max: n * element.max,
                        fixed: element.fixed,
                    },
                    Repeat::Count { max, compact, .. } => Size {
                        max: max * element.max,
                        fixed: element.fixed && !compact,
                    },
                }
            }
            Body::Redefines { length, .. } => Size {
                max: *length,
                fixed: true,
            },
            Body::Object(fields) => total(fields),
        }
    }
}

/// The size of fields one after the other.
pub(crate) fn total(fields: &[Node]) -> Size {
    fields.iter().map(Node::size).fold(
        Size {
            max: 0,
            fixed: true,
        },
        |a, b| Size {
            max: a.max + b.max,
            fixed: a.fixed && b.fixed,
        },
    )
}
