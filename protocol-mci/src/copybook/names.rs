//! JSON names: COBOL names in snake case, prefixed with their flattened groups' names only where
//! two fields of one level would collide; and `DEPENDING ON` names resolved to the count field.

use std::collections::HashMap;

use super::error::{CopybookError, ErrorKind};
use super::model::{Body, Leaf, Node, Repeat};

/// `CUST-NAME` → `cust_name`.
pub(crate) fn snake_case(cobol: &str) -> String {
    cobol.to_ascii_lowercase().replace('-', "_")
}

/// Makes the names of one JSON level unique and resolves its tables' count fields.
pub(crate) fn finish_level(nodes: &mut [Node]) -> Result<(), CopybookError> {
    qualify_collisions(nodes);
    check_unique(nodes)?;
    resolve_counts(nodes)
}

/// Where a name of the level lives: a field, or alternative `j` of the area at `i`.
type Slot = (usize, Option<usize>);

fn slots(nodes: &[Node]) -> Vec<Slot> {
    let mut out = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        out.push((i, None));
        if let Body::Redefines { alternatives, .. } = &node.body {
            out.extend((0..alternatives.len()).map(|j| (i, Some(j))));
        }
    }
    out
}

fn at(nodes: &mut [Node], (i, j): Slot) -> Option<&mut Node> {
    let node = nodes.get_mut(i)?;
    match j {
        None => Some(node),
        Some(j) => match &mut node.body {
            Body::Redefines { alternatives, .. } => alternatives.get_mut(j),
            _ => None,
        },
    }
}

fn qualify_collisions(nodes: &mut [Node]) {
    let slots = slots(nodes);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for &slot in &slots {
        if let Some(node) = at(nodes, slot) {
            *seen.entry(node.name.clone()).or_default() += 1;
        }
    }
    for &slot in &slots {
        if let Some(node) = at(nodes, slot) {
            if seen.get(&node.name).is_some_and(|&n| n > 1) && !node.qual.is_empty() {
                node.name = format!("{}_{}", node.qual.join("_"), node.name);
            }
        }
    }
}

fn check_unique(nodes: &mut [Node]) -> Result<(), CopybookError> {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for slot in slots(nodes) {
        let Some(node) = at(nodes, slot) else {
            continue;
        };
        if let Some(line) = first_line.insert(node.name.clone(), node.line) {
            return Err(CopybookError::at_pos(
                node.line,
                1,
                ErrorKind::Invalid(format!(
                    "expected names unique at one level, found `{}` again (first at line {line}); \
                     rename one of them in the copybook",
                    node.name
                )),
            ));
        }
    }
    Ok(())
}

/// `DEPENDING ON X`: `X` must be an earlier field of the same level (a layout count field is a
/// sibling of its table). A signed binary count is written unsigned: the bytes of a count, never
/// negative, are the same either way.
fn resolve_counts(nodes: &mut [Node]) -> Result<(), CopybookError> {
    for i in 0..nodes.len() {
        let Body::Group {
            repeat: Repeat::Count { source, .. },
            ..
        } = &nodes[i].body
        else {
            continue;
        };
        let source = source.clone();
        let found = nodes[..i].iter().position(|n| {
            n.cobol.as_deref() == Some(source.name.as_str()) && matches!(n.body, Body::Leaf(_))
        });
        let Some(k) = found else {
            return Err(CopybookError::at_pos(
                source.line,
                source.column,
                ErrorKind::Invalid(format!(
                    "DEPENDING ON {}: expected an elementary item before the table at its level \
                     (a layout count field is an earlier sibling), found none",
                    source.name
                )),
            ));
        };
        let count_name = nodes[k].name.clone();
        if let Body::Leaf(Leaf::Binary { signed, .. }) = &mut nodes[k].body {
            if *signed {
                *signed = false;
                nodes[k]
                    .note
                    .push_str(" (written unsigned: it counts a table)");
            }
        }
        if let Body::Group {
            repeat: Repeat::Count { field, .. },
            ..
        } = &mut nodes[i].body
        {
            *field = count_name;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobol_names_become_snake_case() {
        assert_eq!(snake_case("CUST-NAME-1"), "cust_name_1");
    }
}
