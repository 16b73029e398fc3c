//! TLS towards an `https` engine: a private CA, an optional client certificate for mTLS and an
//! optional server name, on rustls with the `ring` provider chosen explicitly.
//!
//! A bank's engine presents a certificate from the bank's own CA, so only that CA is trusted: no
//! public roots are added, and the process-wide default provider is never consulted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

/// Validated TLS settings of one engine.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The rustls client configuration (roots, client certificate, provider).
    pub config: Arc<ClientConfig>,
    /// The name to send as SNI and verify the server certificate against, when it differs from
    /// the URL host (e.g. the engine is reached by IP address).
    pub server_name: Option<ServerName<'static>>,
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
        let mut roots = RootCertStore::empty();
        for cert in read_certificates(ca_file, "ca certificates")? {
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
                let chain = read_certificates(cert_file, "client certificate")?;
                let key =
                    PrivateKeyDer::from_pem_file(key_file).map_err(|source| TlsError::Pem {
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
        Ok(TlsSettings {
            config: Arc::new(config),
            server_name,
        })
    }
}

/// Every certificate in a PEM file; at least one.
fn read_certificates(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_error = |source| TlsError::Pem {
        path: path.to_owned(),
        what,
        source,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error)?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}
