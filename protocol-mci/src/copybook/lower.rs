//! Records → layout fields.
//!
//! The layout format has no non-repeating groups, so they are flattened: their fields join the
//! enclosing level, and a name gets its groups' names as a prefix only when two fields of one
//! level would otherwise collide (see [`super::names`]). `OCCURS` becomes a `group` (an
//! elementary item alone in its element is named `value`), `OCCURS … DEPENDING ON` a `group` with
//! `count` and `max`, `REDEFINES` a `redefines` area whose first alternative is the item redefined.

use super::error::{CopybookError, ErrorKind};
use super::leaf::{self, Inherited};
use super::model::{total, Body, Node, Repeat};
use super::names::{self, snake_case};
use super::tree::Item;

/// What the whole lowering of one record shares.
pub(crate) struct Lowering {
    /// `DEPENDING ON` tables carry only their actual elements.
    pub compact: bool,
    /// COMP-5 items are little-endian.
    pub native_little: bool,
    /// FILLERs named so far (`filler_1`, `filler_2`, …).
    fillers: usize,
}

impl Lowering {
    /// A lowering with the given table mode and native byte order.
    pub(crate) fn new(compact: bool, native_little: bool) -> Lowering {
        Lowering {
            compact,
            native_little,
            fillers: 0,
        }
    }

    /// The fields of a record (its subordinates; an elementary record is its own only field).
    pub(crate) fn record(&mut self, record: &Item) -> Result<Vec<Node>, CopybookError> {
        let inherited = Inherited::default().under(&record.entry);
        let mut nodes = if record.is_group() {
            self.children(&record.children, &[], inherited)?
        } else {
            self.item(record, &[], Inherited::default())?
        };
        names::finish_level(&mut nodes)?;
        Ok(nodes)
    }

    /// The fields of a list of sibling items, REDEFINES gathered into areas.
    fn children(
        &mut self,
        items: &[Item],
        qual: &[String],
        inherited: Inherited,
    ) -> Result<Vec<Node>, CopybookError> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let base = &items[i];
            if let Some(target) = &base.entry.redefines {
                return Err(CopybookError::at_pos(
                    target.line,
                    target.column,
                    ErrorKind::Invalid(format!(
                        "REDEFINES {}: expected the item just before at the same level, found {}",
                        target.name,
                        i.checked_sub(1)
                            .map_or("none".to_owned(), |p| items[p].display_name().to_owned())
                    )),
                ));
            }
            let mut end = i + 1;
            while items
                .get(end)
                .is_some_and(|next| redefines_one_of(next, &items[i..end]))
            {
                end += 1;
            }
            if end - i > 1 {
                out.push(self.redefines(&items[i..end], qual, inherited)?);
            } else {
                out.extend(self.item(base, qual, inherited)?);
            }
            i = end;
        }
        Ok(out)
    }

    /// One item: a flattened group gives its fields, anything else one field.
    fn item(
        &mut self,
        item: &Item,
        qual: &[String],
        inherited: Inherited,
    ) -> Result<Vec<Node>, CopybookError> {
        let entry = &item.entry;
        let inner = inherited.under(entry);
        if item.is_group() && entry.occurs.is_none() {
            let mut qual = qual.to_vec();
            qual.extend(entry.name.as_deref().map(snake_case));
            let mut fields = self.children(&item.children, &qual, inner)?;
            // The group is not in the layout: its fields say where they were.
            for field in &mut fields {
                field.note.push_str(&format!(
                    ", in {} (line {})",
                    item.display_name(),
                    entry.line
                ));
            }
            return Ok(fields);
        }
        let mut fields = if item.is_group() {
            self.children(&item.children, &[], inner)?
        } else {
            let leaf = leaf::leaf(entry, inherited, self.native_little)?;
            // A FILLER table of fixed size is just its bytes.
            if entry.name.is_none() && entry.occurs.as_ref().is_none_or(|o| o.depending.is_none()) {
                let times = entry.occurs.as_ref().map_or(1, |o| o.max);
                let filler = leaf::filler(&leaf, times);
                return Ok(vec![self.node(item, qual, Body::Leaf(filler))]);
            }
            vec![self.node(item, qual, Body::Leaf(leaf))]
        };
        let Some(occurs) = &entry.occurs else {
            return Ok(fields);
        };
        if !item.is_group() {
            fields[0].name = "value".into();
            fields[0].cobol = None;
        }
        names::finish_level(&mut fields)?;
        let repeat = match &occurs.depending {
            None => Repeat::Fixed(occurs.max),
            Some(source) => Repeat::Count {
                source: source.clone(),
                field: String::new(),
                max: occurs.max,
                compact: self.compact,
            },
        };
        Ok(vec![self.node(item, qual, Body::Group { repeat, fields })])
    }

    /// A REDEFINES area: `items[0]` and the items that redefine it.
    fn redefines(
        &mut self,
        items: &[Item],
        qual: &[String],
        inherited: Inherited,
    ) -> Result<Node, CopybookError> {
        let mut alternatives = Vec::with_capacity(items.len());
        for item in items {
            let mut fields = if item.is_group() && item.entry.occurs.is_none() {
                self.children(&item.children, &[], inherited.under(&item.entry))?
            } else {
                self.item(item, &[], inherited)?
            };
            if let [only] = fields.as_mut_slice() {
                if !item.is_group() && item.entry.occurs.is_none() {
                    only.name = "value".into();
                    only.cobol = None;
                }
            }
            names::finish_level(&mut fields)?;
            let size = total(&fields);
            if !size.fixed {
                return Err(CopybookError::at_pos(
                    item.entry.line,
                    item.entry.column,
                    ErrorKind::Unsupported(format!(
                        "a REDEFINES alternative of variable size ({} holds an OCCURS DEPENDING ON)",
                        item.display_name()
                    )),
                ));
            }
            alternatives.push(self.node(item, qual, Body::Object(fields)));
        }
        let length = alternatives.iter().map(|a| a.size().max).max().unwrap_or(0);
        let mut area = self.node(
            &items[0],
            qual,
            Body::Redefines {
                length,
                alternatives,
            },
        );
        area.name = format!("{}_redefines", area.name);
        area.cobol = None;
        Ok(area)
    }

    fn node(&mut self, item: &Item, qual: &[String], body: Body) -> Node {
        let entry = &item.entry;
        let name = match &entry.name {
            Some(name) => snake_case(name),
            None => {
                self.fillers += 1;
                format!("filler_{}", self.fillers)
            }
        };
        Node {
            name,
            cobol: entry.name.clone(),
            qual: qual.to_vec(),
            line: entry.line,
            note: note(item),
            body,
        }
    }
}

/// Whether `item` redefines one of `area` (the original or an earlier redefinition).
fn redefines_one_of(item: &Item, area: &[Item]) -> bool {
    item.entry.redefines.as_ref().is_some_and(|target| {
        area.iter()
            .any(|a| a.entry.name.as_deref() == Some(target.name.as_str()))
    })
}

/// `line 12: 05 CUST-NAME PIC X(20)` and the clauses that shape the bytes.
fn note(item: &Item) -> String {
    let entry = &item.entry;
    let mut note = format!(
        "line {}: {:02} {}",
        entry.line,
        entry.level,
        item.display_name()
    );
    if let Some(target) = &entry.redefines {
        note.push_str(&format!(" REDEFINES {}", target.name));
    }
    if let Some((_, text)) = &entry.picture {
        note.push_str(&format!(" PIC {text}"));
    }
    note.push_str(leaf::usage_word(entry.usage));
    if let Some(sign) = entry.sign {
        note.push_str(if sign.leading {
            " SIGN LEADING"
        } else {
            " SIGN TRAILING"
        });
        if sign.separate {
            note.push_str(" SEPARATE");
        }
    }
    if entry.sync {
        note.push_str(" SYNC (no slack bytes added: check the offset)");
    }
    if let Some(occurs) = &entry.occurs {
        note.push_str(&format!(" OCCURS {}", occurs.min));
        if occurs.max != occurs.min || occurs.depending.is_some() {
            note.push_str(&format!(" TO {}", occurs.max));
        }
        if let Some(count) = &occurs.depending {
            note.push_str(&format!(" DEPENDING ON {}", count.name));
        }
    }
    note
}
