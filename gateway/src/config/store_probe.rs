//! `check-config` tries the fleet store: one session with the PostgreSQL database of
//! `[store.postgres]`, within its `connect_timeout_ms`, opened and ended at once (no instance
//! lock, no migration: a check changes nothing there).
//!
//! A server that answers and refuses is a configuration to fix before deploying, so it is an
//! error: a refused login (SQLSTATE class 28: a wrong password, an unknown role, no
//! `pg_hba.conf` line for this host), a database of that name missing (3D000), or a server
//! certificate that `ca_file` does not verify (another CA, a name that is not the URL's host,
//! expired: the reason rustls gives, in words). One that does not answer is a warning: the database may be down only while this runs, and a gateway that
//! starts then serves and spools until it answers.

use super::problem::{Found, Problem};
use super::tls_reason::certificate_reason;
use super::Config;
use crate::store::postgres::{refused_certificate, try_session, BackendKind, Outage};

/// The problem with the fleet store's database, when the store is PostgreSQL's and one session
/// cannot be opened; `None` when it can, or when the store is sled's. Blocking, for at most the
/// connect timeout (per address the host name resolves to).
pub(super) fn check_fleet_store(config: &Config) -> Option<Problem> {
    let store = &config.store;
    if store.backend != BackendKind::Postgres {
        return None;
    }
    let error = try_session(&store.postgres).err()?;
    let outage = Outage::of_backend(&error);
    // The server's words (`FATAL: password authentication failed … (SQLSTATE 28P01)`), the
    // certificate's fault in words, or the connection's; the URL holds no password (validation
    // refuses one).
    let why = match refused_certificate(error.source.as_ref()) {
        Some(fault) => certificate_reason(fault),
        None => error.source.to_string(),
    };
    let found = Found::because(&store.postgres.url, format!("{}: {why}", outage.phrase()));
    let key = "store.postgres";
    Some(match outage {
        Outage::LoginRefused => Problem::error(
            key,
            "a login the database accepts (the url's user, the password in password_env)",
            found,
        ),
        Outage::NoDatabase => Problem::error(
            key,
            "a url naming a database that exists on the server",
            found,
        ),
        Outage::TlsRefused => Problem::error(
            key,
            "a server certificate that ca_file verifies for the url's host name",
            found,
        ),
        Outage::Unreachable | Outage::InstanceInUse | Outage::Failed => Problem::warning(
            key,
            format!(
                "a database that answers within connect_timeout_ms ({} ms); a gateway started \
                 without it serves and spools until it answers",
                store.postgres.connect_timeout_ms
            ),
            found,
        ),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use crate::config::tests::config;
    use crate::config::{check, check_with, Checked, Problem, Secrets};

    /// The test config with its store on PostgreSQL at `url`, with a short connect timeout.
    fn fleet_config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
        let store = format!(
            "path = \"store\"\nbackend = \"postgres\"\n\n[store.postgres]\nurl = {url:?}\n\
             instance = \"gw-a\"\nsslmode = \"disable\"\nconnect_timeout_ms = 2000\n"
        );
        config(dir, &[("path = \"store\"\n", &store)], "")
    }

    /// Nothing listens: the database may be down only now, so it is a warning that names the
    /// key, the URL and the connection's words, and the config is valid.
    /// The one problem `checked` has at `store.postgres`.
    fn the_store_problem(checked: &Checked) -> &Problem {
        let tried: Vec<_> = checked
            .problems
            .iter()
            .filter(|p| p.key.starts_with("store.postgres ("))
            .collect();
        let [problem] = tried[..] else {
            panic!(
                "expected one problem at store.postgres: {:?}",
                checked.problems
            )
        };
        problem
    }

    #[test]
    fn a_database_that_does_not_answer_is_a_warning() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let dir = tempfile::tempdir().unwrap();
        let checked = check(&fleet_config(dir.path(), &url));
        assert!(checked.config.is_some(), "{:?}", checked.problems);
        let problem = the_store_problem(&checked);
        assert!(!problem.is_error(), "{problem}");
        let text = problem.to_string();
        assert!(
            text.contains(&format!("{url:?} (postgres unreachable: ")) && text.contains("refused"),
            "{text}"
        );
        assert!(text.contains("connect_timeout_ms (2000 ms)"), "{text}");
    }

    /// A server that answers PostgreSQL's TLS request (`SSLRequest`, answered `S`) and then
    /// presents a self-signed certificate for `127.0.0.1`: a database whose CA is not the
    /// client's. Its port; it serves one connection.
    fn foreign_tls_server() -> u16 {
        use std::io::{Read, Write};
        // Named apart from the client's CA (rcgen's default name for both would make the client
        // take it for the CA's, and refuse its signature instead).
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "another bank's database");
        let signing_key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&signing_key).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivatePkcs8KeyDer::from(signing_key.serialize_der()).into(),
            )
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut request = [0; 8];
            tcp.read_exact(&mut request).unwrap();
            tcp.write_all(b"S").unwrap();
            let mut tls = rustls::ServerConnection::new(std::sync::Arc::new(config)).unwrap();
            // The client refuses the certificate and closes: the handshake ends in an error.
            while tls.is_handshaking() && tls.complete_io(&mut tcp).is_ok() {}
        });
        port
    }

    /// A certificate the configured CA does not sign is a configuration error, like a refused
    /// login: an error naming the key and rustls' reason in words, not an unreachable database.
    #[test]
    fn a_certificate_of_another_ca_is_an_error() {
        let port = foreign_tls_server();
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["db.bank.test".to_owned()]).unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.cert.pem()).unwrap();
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let store = format!(
            "path = \"store\"\nbackend = \"postgres\"\n\n[store.postgres]\nurl = {url:?}\n\
             instance = \"gw-a\"\nsslmode = \"verify-full\"\nca_file = {ca_file:?}\n\
             connect_timeout_ms = 2000\n"
        );
        let path = config(dir.path(), &[("path = \"store\"\n", &store)], "");
        let checked = check(&path);
        let problem = the_store_problem(&checked);
        assert!(problem.is_error(), "{problem}");
        let text = problem.to_string();
        assert!(
            text.contains(&format!(
                "{url:?} (postgres certificate refused: a certificate of an issuer it does not \
                 trust)"
            )),
            "{text}"
        );
        assert!(text.contains("ca_file verifies"), "{text}");
        assert!(!text.contains("unreachable"), "{text}");
    }

    /// `--no-secrets` (CI, no password there) does not try the database.
    #[test]
    fn without_secrets_the_database_is_not_tried() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("postgres://gw@127.0.0.1:{port}/shadowgate");
        let dir = tempfile::tempdir().unwrap();
        let checked = check_with(&fleet_config(dir.path(), &url), Secrets::Skip);
        assert!(checked.config.is_some(), "{:?}", checked.problems);
        assert!(
            checked
                .problems
                .iter()
                .all(|p| !p.key.starts_with("store.postgres")),
            "{:?}",
            checked.problems
        );
    }
}
