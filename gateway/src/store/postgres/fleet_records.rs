//! The fleet's records: pages merged across instances by time, and lookups by id.
//!
//! Ids are per gateway (time and sequence of its writer), so a bare id names a record of the
//! fleet as long as no two gateways wrote one in the same microsecond with the same sequence. A
//! lookup searches every instance; should two hold the id, it is refused as ambiguous
//! ([`StoreError::Ambiguous`]) rather than showing either. Pages merge the instances' records in
//! id order; their cursor is a bare id too, so two records with one id on a page boundary could
//! make the next page skip one of them (the same microsecond on two gateways: accepted).
//!
//! Within one instance chunks never overlap (its ids only grow), so each instance is read as sled
//! reads its trees, a few chunks at a time, and the instances' streams are merged.

use std::collections::VecDeque;

use super::fleet::{FleetReader, Session};
use crate::store::chunk;
use crate::store::error::StoreError;
use crate::store::id::{RecordId, KEY_LEN};
use crate::store::query::{ListQuery, Page};
use crate::store::record::MismatchRecord;

/// Chunks read per statement (16 records each at most).
const BATCH: i64 = 32;

/// A key above every record key.
const TOP: [u8; KEY_LEN + 1] = [0xff; KEY_LEN + 1];

/// One instance's matching records in the page's order, read a batch of chunks at a time.
struct Stream {
    instance: String,
    buffer: VecDeque<MismatchRecord>,
    /// Keys still to read: from (inclusive) to until (exclusive).
    from: Vec<u8>,
    until: Vec<u8>,
    done: bool,
}

impl FleetReader {
    /// The record `id` of whichever instance wrote it; refused when two did.
    pub(crate) fn get(&self, id: RecordId) -> Result<Option<MismatchRecord>, StoreError> {
        self.call("read a record", move |session| {
            let operation = "read shadowgate_records";
            // Per instance, the chunk with the greatest key at or before the id in its day.
            let rows = session.query(
                operation,
                "SELECT DISTINCT ON (instance) instance, key, value FROM shadowgate_records \
                 WHERE day = $1::text::date AND key <= $2 ORDER BY instance, key DESC",
                &[&id.day().compact(), &id.to_key().as_slice()],
            )?;
            let mut found = Vec::new();
            for row in rows {
                let instance: String = row.try_get(0).map_err(|e| session.error(operation, e))?;
                let key: Vec<u8> = row.try_get(1).map_err(|e| session.error(operation, e))?;
                let value: Vec<u8> = row.try_get(2).map_err(|e| session.error(operation, e))?;
                let chunk = decode(&instance, &key, &value)?;
                found.extend(
                    chunk
                        .into_iter()
                        .filter(|r| r.id == id)
                        .map(|r| (instance.clone(), r)),
                );
            }
            one(id, found)
        })
    }

    /// The sealed raw payload of record `id`, if an instance stored one; refused when two did.
    pub(crate) fn sealed_payload(&self, id: RecordId) -> Result<Option<Vec<u8>>, StoreError> {
        self.call("read a payload", move |session| {
            let operation = "read shadowgate_payloads";
            let rows = session.query(
                operation,
                "SELECT instance, value FROM shadowgate_payloads WHERE key = $1 \
                 ORDER BY instance",
                &[&id.to_key().as_slice()],
            )?;
            let mut found = Vec::new();
            for row in rows {
                found.push((
                    row.try_get::<_, String>(0)
                        .map_err(|e| session.error(operation, e))?,
                    row.try_get::<_, Vec<u8>>(1)
                        .map_err(|e| session.error(operation, e))?,
                ));
            }
            one(id, found)
        })
    }

    /// One page of the fleet's records matching `query`, in id order across instances.
    pub(crate) fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let query = query.clone();
        self.call("list records", move |session| list(session, &query))
    }
}

/// The single value found, `None` when none was, [`StoreError::Ambiguous`] when several were.
fn one<T>(id: RecordId, mut found: Vec<(String, T)>) -> Result<Option<T>, StoreError> {
    if found.len() > 1 {
        return Err(StoreError::Ambiguous {
            id: id.to_string(),
            instances: found.into_iter().map(|(instance, _)| instance).collect(),
        });
    }
    Ok(found.pop().map(|(_, value)| value))
}

fn decode(instance: &str, key: &[u8], value: &[u8]) -> Result<Vec<MismatchRecord>, StoreError> {
    chunk::decode_all("record", value).map_err(|source| StoreError::Decode {
        tree: format!("shadowgate_records of instance {instance}"),
        key: RecordId::from_key(key).map_or_else(|| format!("{key:?}"), |id| id.to_string()),
        source,
    })
}

fn list(session: &mut Session, query: &ListQuery) -> Result<Page, StoreError> {
    let size = query.page_size();
    let (lower, upper) = query.key_bounds();
    let operation = "list shadowgate_records";
    let rows = session.query(
        operation,
        "SELECT DISTINCT instance FROM shadowgate_counters ORDER BY instance",
        &[],
    )?;
    let mut streams = Vec::with_capacity(rows.len());
    for row in rows {
        let instance: String = row.try_get(0).map_err(|e| session.error(operation, e))?;
        // The chunk holding `lower` starts at or before it.
        let start = session.query(
            operation,
            "SELECT key FROM shadowgate_records WHERE instance = $1 AND key <= $2 \
             ORDER BY key DESC LIMIT 1",
            &[&instance, &lower.to_key().as_slice()],
        )?;
        let from = match start.first() {
            Some(row) => row.try_get(0).map_err(|e| session.error(operation, e))?,
            None => lower.to_key().to_vec(),
        };
        streams.push(Stream {
            instance,
            buffer: VecDeque::new(),
            from,
            until: upper.map_or_else(|| TOP.to_vec(), |u| u.to_key().to_vec()),
            done: false,
        });
    }
    let within = |id: RecordId| id >= lower && upper.is_none_or(|u| id < u);
    let mut records = Vec::new();
    loop {
        for stream in &mut streams {
            while stream.buffer.is_empty() && !stream.done {
                fetch(session, stream, query, &within)?;
            }
        }
        // The next record of the page: the smallest head (oldest first) or the greatest.
        let heads = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.buffer.front().map(|r| (r.id, i)));
        let next = if query.newest_first {
            heads.max_by_key(|(id, i)| (*id, std::cmp::Reverse(*i)))
        } else {
            heads.min()
        };
        let Some((_, i)) = next else {
            return Ok(Page {
                records,
                next: None,
            });
        };
        let Some(record) = streams[i].buffer.pop_front() else {
            continue;
        };
        let id = record.id;
        records.push(record);
        if records.len() == size {
            return Ok(Page {
                records,
                next: Some(id),
            });
        }
    }
}

/// Reads the stream's next batch of chunks into its buffer, keeping the matching records.
fn fetch(
    session: &mut Session,
    stream: &mut Stream,
    query: &ListQuery,
    within: &impl Fn(RecordId) -> bool,
) -> Result<(), StoreError> {
    let operation = "list shadowgate_records";
    let sql = if query.newest_first {
        "SELECT key, value FROM shadowgate_records WHERE instance = $1 AND key >= $2 \
         AND key < $3 ORDER BY key DESC LIMIT $4"
    } else {
        "SELECT key, value FROM shadowgate_records WHERE instance = $1 AND key >= $2 \
         AND key < $3 ORDER BY key LIMIT $4"
    };
    let rows = session.query(
        operation,
        sql,
        &[&stream.instance, &stream.from, &stream.until, &BATCH],
    )?;
    stream.done = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
    for row in rows {
        let key: Vec<u8> = row.try_get(0).map_err(|e| session.error(operation, e))?;
        let value: Vec<u8> = row.try_get(1).map_err(|e| session.error(operation, e))?;
        let mut chunk = decode(&stream.instance, &key, &value)?;
        if query.newest_first {
            chunk.reverse();
        }
        stream.buffer.extend(
            chunk
                .into_iter()
                .filter(|r| within(r.id) && query.matches(r)),
        );
        if query.newest_first {
            stream.until = key;
        } else {
            // The smallest key after this one.
            stream.from = key;
            stream.from.push(0);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_found_on_two_instances_is_refused_naming_both() {
        let id = RecordId { micros: 7, seq: 1 };
        assert_eq!(one::<u8>(id, vec![]).unwrap(), None);
        assert_eq!(one(id, vec![("gw-a".to_owned(), 3)]).unwrap(), Some(3));
        let error = one(id, vec![("gw-a".to_owned(), 3), ("gw-b".to_owned(), 4)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "record id 000000000000000700000001 is ambiguous: expected the record of one \
             gateway, found one of each of gw-a, gw-b; list the records with filters to tell \
             them apart"
        );
    }
}
