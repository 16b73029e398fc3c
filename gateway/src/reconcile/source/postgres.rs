//! A PostgreSQL query, streamed in the simple-query protocol: every value arrives as text, so
//! `numeric` keeps its exact digits and `date` is `YYYY-MM-DD`, and the client reads rows as the
//! merge consumes them (tokio-postgres hands responses through a channel of one message).
//!
//! The reconciliation itself is synchronous; this source owns a current-thread runtime that runs
//! the connection task only while a row is awaited, each wait under the source's deadline.

use std::pin::Pin;
use std::time::Duration;

use futures::StreamExt;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::{NoTls, SimpleQueryMessage, SimpleQueryStream};

use super::{Row, Rows};
use crate::reconcile::error::{ReconcileError, ReconcileErrorKind};
use crate::reconcile::mapping::{Cell, Mapping};

/// Rows of a query.
pub(super) struct PostgresRows {
    context: String,
    /// Dropped before the runtime (field order): the stream borrows nothing, but its channel
    /// ends with the connection task.
    stream: Pin<Box<SimpleQueryStream>>,
    _client: tokio_postgres::Client,
    /// The connection task, aborted when the source is dropped.
    connection: JoinHandle<()>,
    runtime: Runtime,
    timeout: Duration,
    /// Column index of each mapped field, found from the first row's description.
    columns: Option<Vec<usize>>,
    /// The stream ended: polling it again would report a closed connection.
    done: bool,
    number: u64,
    mapping: Mapping,
}

impl PostgresRows {
    /// Connects and sends the query, each under the deadline.
    pub(super) fn open(
        context: String,
        url: &str,
        query: &str,
        timeout: Duration,
        mapping: Mapping,
    ) -> Result<Self, ReconcileError> {
        let fail = |kind: ReconcileErrorKind| ReconcileError::new(&context, kind);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(e.into()))?;
        let (client, connection, stream) = runtime
            .block_on(async {
                let (client, connection) =
                    deadline(timeout, tokio_postgres::connect(url, NoTls)).await?;
                let connection = tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::warn!(%error, "reconcile: postgres connection ended");
                    }
                });
                let stream = deadline(timeout, client.simple_query_raw(query)).await?;
                Ok::<_, ReconcileErrorKind>((client, connection, stream))
            })
            .map_err(fail)?;
        Ok(Self {
            context,
            stream: Box::pin(stream),
            _client: client,
            connection,
            runtime,
            timeout,
            columns: None,
            done: false,
            number: 0,
            mapping,
        })
    }

    /// The index of each mapped column in a row's description.
    fn columns(
        &self,
        names: &[tokio_postgres::SimpleColumn],
    ) -> Result<Vec<usize>, ReconcileError> {
        self.mapping
            .fields
            .iter()
            .map(|field| {
                names
                    .iter()
                    .position(|c| c.name() == field.column)
                    .ok_or_else(|| {
                        let all: Vec<&str> = names.iter().map(|c| c.name()).collect();
                        let kind =
                            ReconcileErrorKind::MissingColumn(field.column.clone(), all.join(", "));
                        ReconcileError::new(&self.context, kind)
                    })
            })
            .collect()
    }
}

impl Rows for PostgresRows {
    fn next_row(&mut self) -> Result<Option<Row>, ReconcileError> {
        while !self.done {
            let next = self
                .runtime
                .block_on(deadline(self.timeout, async {
                    self.stream.next().await.transpose()
                }))
                .map_err(|kind| ReconcileError::new(&self.context, kind))?;
            let row = match next {
                None => {
                    self.done = true;
                    continue;
                }
                Some(SimpleQueryMessage::Row(row)) => row,
                // Descriptions and completions carry no row.
                Some(_) => continue,
            };
            self.number += 1;
            if self.columns.is_none() {
                self.columns = Some(self.columns(row.columns())?);
            }
            let columns = self.columns.as_deref().unwrap_or_default();
            return self
                .mapping
                .row(|i, _| match row.get(columns[i]) {
                    Some(text) => Cell::Text(text),
                    None => Cell::Null,
                })
                .map(|value| {
                    Some(Row {
                        line: self.number,
                        value,
                    })
                })
                .map_err(|kind| {
                    ReconcileError::new(format!("{} row {}", self.context, self.number), kind)
                        .at_row(self.number)
                });
        }
        Ok(None)
    }
}

impl Drop for PostgresRows {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

/// `future` under the deadline, its database error kept.
async fn deadline<T>(
    timeout: Duration,
    future: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, ReconcileErrorKind> {
    match tokio::time::timeout(timeout, future).await {
        Ok(result) => result.map_err(ReconcileErrorKind::from),
        Err(_) => Err(ReconcileErrorKind::Timeout(
            u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        )),
    }
}
