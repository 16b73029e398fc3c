//! Layout fields → TOML text, one inline table per field with its copybook line as a comment.
//!
//! Written by hand rather than through a serializer: the comments are the point (an integrator
//! checks each field against the copybook), and the layout README's style (one field per line,
//! groups opening an indented `fields` array) is what people edit.

use std::fmt::Write;

use super::model::{Body, Leaf, Node, Repeat};

/// The comment above a REDEFINES area: a copybook cannot say which value picks which description.
const REDEFINES_TODO: &str = "a copybook does not say which value selects which alternative: \
                              add `selector` (an earlier field) and `when` to each alternative";

/// Writes `fields` as TOML array items at `indent` spaces.
pub(crate) fn fields(out: &mut String, nodes: &[Node], indent: usize) {
    for node in nodes {
        field(out, node, indent);
    }
}

fn field(out: &mut String, node: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    let name = quote(&node.name);
    match &node.body {
        Body::Leaf(leaf) => {
            let _ = writeln!(
                out,
                "{pad}{{ name = {name}, {} }},  # {}",
                leaf_keys(leaf),
                node.note
            );
        }
        Body::Group {
            repeat,
            fields: inner,
        } => {
            let repeat = match repeat {
                Repeat::Fixed(n) => format!("occurs = {n}"),
                Repeat::Count {
                    field,
                    max,
                    compact,
                    ..
                } => {
                    let mode = if *compact { ", mode = \"compact\"" } else { "" };
                    format!("count = {}, max = {max}{mode}", quote(field))
                }
            };
            let _ = writeln!(
                out,
                "{pad}{{ name = {name}, type = \"group\", {repeat}, fields = [  # {}",
                node.note
            );
            fields(out, inner, indent + 2);
            let _ = writeln!(out, "{pad}] }},");
        }
        Body::Redefines {
            length,
            alternatives,
        } => {
            let _ = writeln!(out, "{pad}# {REDEFINES_TODO}");
            let _ = writeln!(
                out,
                "{pad}{{ name = {name}, type = \"redefines\", length = {length}, alternatives = [  \
                 # {}",
                node.note
            );
            for alternative in alternatives {
                let inner = match &alternative.body {
                    Body::Object(inner) => inner.as_slice(),
                    _ => &[],
                };
                let _ = writeln!(
                    out,
                    "{pad}  {{ name = {}, fields = [  # {}",
                    quote(&alternative.name),
                    alternative.note
                );
                fields(out, inner, indent + 4);
                let _ = writeln!(out, "{pad}  ] }},");
            }
            let _ = writeln!(out, "{pad}] }},");
        }
        Body::Object(inner) => fields(out, inner, indent),
    }
}

fn leaf_keys(leaf: &Leaf) -> String {
    let scale = |s: i32| {
        if s == 0 {
            String::new()
        } else {
            format!(", scale = {s}")
        }
    };
    match *leaf {
        Leaf::Text { len, right } => {
            let align = if right { ", align = \"right\"" } else { "" };
            format!("type = \"text\", length = {len}{align}")
        }
        Leaf::Number {
            len,
            digits,
            scale: s,
            sign,
        } => {
            let sign = if sign == "none" {
                String::new()
            } else {
                format!(", sign = {}", quote(sign))
            };
            format!(
                "type = \"number\", length = {len}, digits = {digits}{}{sign}",
                scale(s)
            )
        }
        Leaf::Packed {
            len,
            digits,
            scale: s,
            signed,
        } => {
            let signed = if signed { "" } else { ", signed = false" };
            format!(
                "type = \"packed\", length = {len}, digits = {digits}{}{signed}",
                scale(s)
            )
        }
        Leaf::Binary {
            len,
            digits,
            scale: s,
            signed,
            little,
        } => {
            let digits = digits.map_or(String::new(), |d| format!(", digits = {d}"));
            let signed = if signed { ", signed = true" } else { "" };
            let endian = if little { ", endian = \"little\"" } else { "" };
            format!(
                "type = \"binary\", length = {len}{digits}{}{signed}{endian}",
                scale(s)
            )
        }
        Leaf::Filler { len, pad } => {
            let pad = if pad == ' ' {
                String::new()
            } else {
                format!(", pad = {}", quote(&pad.to_string()))
            };
            format!("type = \"filler\", length = {len}{pad}")
        }
    }
}

/// A TOML basic string.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
