//! TLS towards an `https` engine: a private CA, an optional client certificate for mTLS and an
//! optional server name, on rustls with the `ring` provider chosen explicitly.
//!
//! A bank's engine presents a certificate from the bank's own CA, so only that CA is trusted: no
//! public roots are added, and the process-wide default provider is never consulted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ring::digest::{Context, SHA256};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

/// Validated TLS settings of one engine. Two are equal when they were loaded from the same
/// file contents with the same server name (a reload keeps the engine's client then; a renewed
/// certificate in the same file is another setting).
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The rustls client configuration (roots, client certificate, provider).
    pub config: Arc<ClientConfig>,
    /// The name to send as SNI and verify the server certificate against, when it differs from
    /// the URL host (e.g. the engine is reached by IP address).
    pub server_name: Option<ServerName<'static>>,
    /// SHA-256 over the contents of the files `config` was loaded from (CA, then client
    /// certificate and key when given), each length-prefixed: what [`PartialEq`] compares, since
    /// a rustls configuration cannot be.
    pub fingerprint: [u8; 32],
    /// SHA-256 (hex) of each file the engine trusts or presents, by its key: `ca_file` and, for
    /// mTLS, `client_cert_file`. Start and reload entries record them, so a CA or certificate
    /// replaced while the gateway was stopped is seen. The key file's is not recorded: it is a
    /// secret, and a new key comes with a new certificate.
    pub file_sha256: BTreeMap<&'static str, String>,
}

impl PartialEq for TlsSettings {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint && self.server_name == other.server_name
    }
}

/// Why TLS settings could not be loaded. Each variant names the file or value at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("{}: cannot read {what}: {source}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What the file should hold.
        what: &'static str,
        /// The reader's error.
        source: rustls::pki_types::pem::Error,
    },
    /// A certificate file holds no certificate.
    #[error("{}: no certificate found", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A CA certificate was rejected as a trust anchor.
    #[error("{}: invalid ca certificate: {source}", path.display())]
    InvalidCa {
        /// The CA file.
        path: PathBuf,
        /// rustls' reason.
        source: rustls::Error,
    },
    /// Only one of client certificate and key was given.
    #[error("client certificate and client key must be given together")]
    IncompleteClientIdentity,
    /// The client certificate and key were rejected together (e.g. they do not match).
    #[error("{}: invalid client certificate or key: {source}", cert.display())]
    InvalidClientIdentity {
        /// The client certificate file.
        cert: PathBuf,
        /// rustls' reason.
        source: rustls::Error,
    },
    /// The server name is neither a DNS name nor an IP address.
    #[error("invalid server name {name:?}: {source}")]
    InvalidServerName {
        /// The configured name.
        name: String,
        /// The parser's reason.
        source: rustls::pki_types::InvalidDnsNameError,
    },
    /// The provider cannot offer the default protocol versions (not expected with `ring`).
    #[error("tls setup: {0}")]
    Setup(rustls::Error),
}

impl TlsSettings {
    /// Reads the CA (and, for mTLS, the client certificate chain and key) from PEM files.
    pub fn load(
        ca_file: &Path,
        client_cert_file: Option<&Path>,
        client_key_file: Option<&Path>,
        server_name: Option<&str>,
    ) -> Result<TlsSettings, TlsError> {
        let mut fingerprint = Context::new(&SHA256);
        let mut read = |path: &Path, what| {
            let bytes = std::fs::read(path).map_err(|e| TlsError::Pem {
                path: path.to_owned(),
                what,
                source: rustls::pki_types::pem::Error::Io(e),
            })?;
            fingerprint.update(&u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
            fingerprint.update(&bytes);
            Ok(bytes)
        };
        let mut file_sha256 = BTreeMap::new();
        let mut roots = RootCertStore::empty();
        let ca = read(ca_file, "ca certificates")?;
        file_sha256.insert("ca_file", crate::cutover::sha256_hex(&ca));
        for cert in certificates(ca_file, &ca, "ca certificates")? {
            roots.add(cert).map_err(|source| TlsError::InvalidCa {
                path: ca_file.to_owned(),
                source,
            })?;
        }

        let builder =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(TlsError::Setup)?
                .with_root_certificates(roots);
        let config = match (client_cert_file, client_key_file) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert_file), Some(key_file)) => {
                let chain_pem = read(cert_file, "client certificate")?;
                file_sha256.insert("client_cert_file", crate::cutover::sha256_hex(&chain_pem));
                let chain = certificates(cert_file, &chain_pem, "client certificate")?;
                let key_pem = read(key_file, "client key")?;
                let key =
                    PrivateKeyDer::from_pem_slice(&key_pem).map_err(|source| TlsError::Pem {
                        path: key_file.to_owned(),
                        what: "client key",
                        source,
                    })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|source| TlsError::InvalidClientIdentity {
                        cert: cert_file.to_owned(),
                        source,
                    })?
            }
            _ => return Err(TlsError::IncompleteClientIdentity),
        };

        let server_name = server_name
            .map(|name| {
                ServerName::try_from(name.to_owned()).map_err(|source| {
                    TlsError::InvalidServerName {
                        name: name.to_owned(),
                        source,
                    }
                })
            })
            .transpose()?;
        let mut digest = [0; 32];
        digest.copy_from_slice(fingerprint.finish().as_ref());
        Ok(TlsSettings {
            config: Arc::new(config),
            server_name,
            fingerprint: digest,
            file_sha256,
        })
    }
}

/// Every certificate in the PEM `bytes` of the file at `path`; at least one.
fn certificates(
    path: &Path,
    bytes: &[u8],
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_error = |source| TlsError::Pem {
        path: path.to_owned(),
        what,
        source,
    };
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error)?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn settings_are_equal_by_their_files_contents_and_server_name() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str| {
            let cert = rcgen::generate_simple_self_signed(vec!["engine".to_owned()]).unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, cert.cert.pem()).unwrap();
            (path, cert)
        };
        let (ca, _) = write("ca.pem");
        let load = |ca: &Path, name| TlsSettings::load(ca, None, None, name).unwrap();
        // Loaded twice, another file with the same text: equal.
        let copy = dir.path().join("copy.pem");
        std::fs::copy(&ca, &copy).unwrap();
        assert_eq!(load(&ca, None), load(&copy, None));
        assert_ne!(load(&ca, None), load(&ca, Some("engine.bank")));
        // A renewed certificate in the same file: another setting.
        let before = load(&ca, None);
        let (ca, _) = write("ca.pem");
        assert_ne!(before, load(&ca, None));
    }
}
