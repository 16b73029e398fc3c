//! Level numbers → a tree of records, groups and elementary items.
//!
//! An entry belongs to the nearest open entry with a lower level number. A copybook whose first
//! entry is not an 01 (a fragment meant to be copied under a program's own 01) is one record
//! without a name.

use super::error::{CopybookError, ErrorKind};
use super::parse::Entry;

/// An entry and the entries under it.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// The entry itself.
    pub entry: Entry,
    /// Subordinate entries, in order.
    pub children: Vec<Item>,
}

impl Item {
    /// A group has subordinate entries; an elementary item has a picture.
    pub(crate) fn is_group(&self) -> bool {
        !self.children.is_empty()
    }

    /// The COBOL name for people (`FILLER` when unnamed).
    pub(crate) fn display_name(&self) -> &str {
        self.entry.name.as_deref().unwrap_or("FILLER")
    }
}

/// Builds the records of a copybook from its entries.
pub(crate) fn records(entries: Vec<Entry>) -> Result<Vec<Item>, CopybookError> {
    let mut records = Vec::new();
    let mut stack: Vec<Item> = Vec::new();
    for entry in entries {
        let level = if entry.level == 77 { 1 } else { entry.level };
        while stack
            .last()
            .is_some_and(|top| level == 1 || top.entry.level >= level)
        {
            close(&mut stack, &mut records);
        }
        if level > 1 && stack.is_empty() {
            stack.push(implicit_record(&entry));
        }
        if let Some(parent) = stack.last() {
            if parent.entry.picture.is_some() {
                return Err(CopybookError::at_pos(
                    entry.line,
                    entry.column,
                    ErrorKind::Invalid(format!(
                        "level {:02} cannot be under {} (line {}), an elementary item with a PIC",
                        entry.level,
                        parent.display_name(),
                        parent.entry.line
                    )),
                ));
            }
        }
        let mut entry = entry;
        entry.level = level;
        stack.push(Item {
            entry,
            children: Vec::new(),
        });
    }
    while !stack.is_empty() {
        close(&mut stack, &mut records);
    }
    Ok(records)
}

/// Pops the innermost open item into its parent (or the records).
fn close(stack: &mut Vec<Item>, records: &mut Vec<Item>) {
    if let Some(item) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(item),
            None => records.push(item),
        }
    }
}

fn implicit_record(first: &Entry) -> Item {
    Item {
        entry: Entry {
            level: 0,
            name: None,
            line: first.line,
            column: first.column,
            redefines: None,
            picture: None,
            usage: None,
            sign: None,
            occurs: None,
            justified: false,
            sync: false,
        },
        children: Vec::new(),
    }
}
