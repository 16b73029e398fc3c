//! Reading the test cluster: one query on a new session, its rows read as typed tuples
//! ([`FromRow`]). Async tests call [`TestPostgres::query_one`] and [`TestPostgres::query`]
//! (tokio-postgres, nothing blocking on the runtime's workers); plain tests call the `blocking_`
//! ones (the blocking client, which runs a runtime of its own: never on an async worker).
//!
//! ```ignore
//! let (counted, stored): (i64, i64) = db.query_one(SQL, &[&STRATEGY]).await;
//! let groups: Vec<(String, i64)> = db.blocking_query(GROUPS, &[]);
//! ```

use postgres::types::{FromSqlOwned, ToSql};
use postgres::Row;

use super::TestPostgres;

/// A row read as a value of its first column (`bool`, `i64`, …), or as a tuple of its first
/// columns in order (`(String, i64)`).
pub trait FromRow {
    /// Reads `row`; panics (a failed test) when a column is missing or of another type.
    fn from_row(row: &Row) -> Self;
}

macro_rules! value {
    ($($t:ty),+) => {$(
        impl FromRow for $t {
            fn from_row(row: &Row) -> Self {
                row.get(0)
            }
        }
    )+};
}

value!(bool, i64, String, Option<String>, Vec<u8>);

macro_rules! tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromSqlOwned),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row) -> Self {
                ($(row.get::<_, $t>($i),)+)
            }
        }
    };
}

tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);

impl TestPostgres {
    /// The one row `sql` gives with `params`, on a new session; panics naming the query when it
    /// fails or gives no row or several.
    pub async fn query_one<T: FromRow>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> T {
        let rows = self.query_rows(sql, params).await;
        T::from_row(one(sql, &rows))
    }

    /// Every row `sql` gives with `params`, on a new session; panics naming the query when it
    /// fails.
    pub async fn query<T: FromRow>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<T> {
        let rows = self.query_rows(sql, params).await;
        rows.iter().map(T::from_row).collect()
    }

    /// [`TestPostgres::query_one`] with the blocking client, for tests off the async runtime.
    pub fn blocking_query_one<T: FromRow>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> T {
        let rows = self.blocking_rows(sql, params);
        T::from_row(one(sql, &rows))
    }

    /// [`TestPostgres::query`] with the blocking client, for tests off the async runtime.
    pub fn blocking_query<T: FromRow>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<T> {
        let rows = self.blocking_rows(sql, params);
        rows.iter().map(T::from_row).collect()
    }

    async fn query_rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<Row> {
        let (client, connection) = tokio_postgres::connect(&self.url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test cluster: {e}"));
        let connection = tokio::spawn(connection);
        let rows = client.query(sql, params).await;
        // The session ends with its client; its task with it.
        drop(client);
        connection.await.unwrap().unwrap();
        rows.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn blocking_rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<Row> {
        let mut client = self.client();
        client
            .query(sql, params)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// The only row of `rows`, the answer to `sql`.
fn one<'a>(sql: &str, rows: &'a [Row]) -> &'a Row {
    match rows {
        [row] => row,
        _ => panic!("{sql}: expected one row, found {}", rows.len()),
    }
}
