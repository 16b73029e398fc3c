//! Both sides as PostgreSQL queries on a throwaway cluster: the legacy query ordered by key, the
//! new one unordered (rows inserted in reverse), so the order check sorts it.

use shadowgate_tests::postgres::TestPostgres;

use crate::generator::{cust_no, sides, Row};
use crate::support::{assert_injected, reconcile, reconcile_file};

const N: u64 = 200;

/// `CREATE TABLE` and one multi-row `INSERT` of `rows`.
fn table_sql(table: &str, rows: &[Row]) -> String {
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "('{}', '{}', '{}', '{}', {}, {}.{:03}, '{}')",
                cust_no(r),
                r.name,
                r.grade,
                r.decision,
                r.limit,
                r.rate_milli / 1000,
                r.rate_milli % 1000,
                r.date
            )
        })
        .collect();
    format!(
        "CREATE TABLE {table} (cust_no text, cust_name text, grade text, decision text, \
         limit_amount numeric(15, 0), rate numeric(6, 3), review_date date); \
         INSERT INTO {table} VALUES {};",
        values.join(", ")
    )
}

fn load(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
        drop(client);
        connection.await.unwrap().unwrap();
    });
}

fn section(side: &str, url: &str, query: &str) -> String {
    format!(
        r#"
[{side}]
kind = "postgres"
url = "{url}"
query = '{query}'
timeout_ms = 10000
fields = [
  {{ path = "cust_no" }},
  {{ path = "cust_name", mask = "name" }},
  {{ path = "grade" }},
  {{ path = "decision" }},
  {{ path = "limit_amount", type = "decimal" }},
  {{ path = "rate", type = "decimal" }},
  {{ path = "review_date", type = "date" }},
]
"#
    )
}

#[test]
fn postgres_queries_give_the_same_outcomes_and_an_unordered_one_is_sorted() {
    let postgres = TestPostgres::start_new();
    let (legacy, mut new) = sides(N);
    new.reverse();
    let sql = table_sql("legacy_review", &legacy) + &table_sql("new_review", &new);
    load(&postgres.url(), &sql);
    let dir = tempfile::tempdir().unwrap();
    let columns = "cust_no, cust_name, grade, decision, limit_amount, rate, review_date";
    let path = reconcile_file(
        dir.path(),
        "",
        &section(
            "legacy",
            &postgres.url(),
            &format!(r#"SELECT {columns} FROM legacy_review ORDER BY cust_no COLLATE "C""#),
        ),
        &section(
            "new",
            &postgres.url(),
            &format!("SELECT {columns} FROM new_review"),
        ),
    );
    let run = reconcile(&path);
    assert_injected(&run, N);
    assert_eq!(run.ordering[0], "legacy: in order (checked)");
    assert!(
        run.ordering[1].starts_with("new: sorted (row "),
        "{:?}",
        run.ordering
    );
    // The source names the query, never the URL (which may carry a password).
    assert!(run.legacy.starts_with("postgres SELECT") && !run.legacy.contains("127.0.0.1"));

    // A query the server refuses says what the server said, not the client's bare `db error`.
    let path = reconcile_file(
        dir.path(),
        "",
        &section(
            "legacy",
            &postgres.url(),
            "SELECT cust_no FROM no_such_table",
        ),
        &section(
            "new",
            &postgres.url(),
            &format!("SELECT {columns} FROM new_review"),
        ),
    );
    let spec = shadowgate::reconcile::load(&path).unwrap();
    let error = shadowgate::reconcile::run(&spec, false)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(r#"ERROR: relation "no_such_table" does not exist (SQLSTATE 42P01)"#),
        "{error}"
    );

    // A key of spaces (a `char(n)` column pads with them) is empty, as `''` and a CSV cell of
    // spaces are: refused with the row and the column, never a key of its own.
    for key in ["$$$$", "$$   $$::char(3)"] {
        let blank = format!(
            "SELECT {key} AS cust_no, cust_name, grade, decision, limit_amount, rate, \
             review_date FROM new_review LIMIT 1"
        );
        let path = reconcile_file(
            dir.path(),
            "",
            &section("legacy", &postgres.url(), &blank),
            &section("new", &postgres.url(), &blank),
        );
        let spec = shadowgate::reconcile::load(&path).unwrap();
        let error = shadowgate::reconcile::run(&spec, false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "legacy source postgres {blank} row 1: key field cust_no is empty (column cust_no)"
            )
        );
    }
}
