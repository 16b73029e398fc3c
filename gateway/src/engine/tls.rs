//! TLS towards an `https` engine: a private CA, an optional client certificate for mTLS and an
//! optional server name, on rustls with the `ring` provider chosen explicitly.
//!
//! A bank's engine presents a certificate from the bank's own CA, so only that CA is trusted: no
//! public roots are added, and the process-wide default provider is never consulted.
//!
//! Loading checks every file on its own and returns every fault at once ([`TlsErrors`]): an
//! engine whose CA is not PEM and whose client certificate file holds the key has two things
//! to fix, and `check-config` says both in one run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use ring::digest::{Context, SHA256};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, RootCertStore};

mod error;

pub use error::{PemContents, TlsError, TlsErrors, TlsFile};

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

impl TlsSettings {
    /// Reads the CA (and, for mTLS, the client certificate chain and key) from PEM files. Every
    /// file is read and checked even when another one fails.
    pub fn load(
        ca_file: &Path,
        client_cert_file: Option<&Path>,
        client_key_file: Option<&Path>,
        server_name: Option<&str>,
    ) -> Result<TlsSettings, TlsErrors> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut errors = Vec::new();
        let mut files = Files::new();
        let roots = files
            .read(ca_file, TlsFile::Ca)
            .and_then(|pem| roots(ca_file, &pem));
        let roots = kept(&mut errors, roots);
        let chain = client_cert_file.map(|path| {
            let chain = files
                .read(path, TlsFile::ClientCert)
                .and_then(|pem| certificates(path, &pem, TlsFile::ClientCert));
            (path, kept(&mut errors, chain))
        });
        let key = client_key_file.map(|path| {
            let key = files
                .read(path, TlsFile::ClientKey)
                .and_then(|pem| private_key(path, &pem));
            (path, kept(&mut errors, key))
        });
        let identity = match (chain, key) {
            (None, None) => Some(None),
            (Some((cert, Some(chain))), Some((key, Some(der)))) => {
                kept(&mut errors, identity(cert, key, chain, der, &provider)).map(Some)
            }
            (Some(_), Some(_)) => None, // the file at fault is reported
            _ => {
                errors.push(TlsError::IncompleteClientIdentity);
                None
            }
        };
        let server_name = match server_name {
            Some(name) => kept(&mut errors, parse_server_name(name)).map(Some),
            None => Some(None),
        };
        // Each fault kept above left its part `None`, and only a fault does.
        let (Some(roots), Some(identity), Some(server_name)) = (roots, identity, server_name)
        else {
            return Err(TlsErrors(errors));
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsErrors(vec![TlsError::Setup(e)]))?
            .with_root_certificates(roots);
        let config = match identity {
            Some(key) => builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key))),
            None => builder.with_no_client_auth(),
        };
        Ok(TlsSettings {
            config: Arc::new(config),
            server_name,
            fingerprint: files.fingerprint(),
            file_sha256: files.sha256,
        })
    }
}

/// The files read so far: their fingerprint and the digest of each one that is recorded.
struct Files {
    fingerprint: Context,
    sha256: BTreeMap<&'static str, String>,
}

impl Files {
    fn new() -> Files {
        Files {
            fingerprint: Context::new(&SHA256),
            sha256: BTreeMap::new(),
        }
    }

    /// The contents of `path`, added to the fingerprint (and, but for the key, recorded).
    fn read(&mut self, path: &Path, file: TlsFile) -> Result<Vec<u8>, TlsError> {
        let bytes = std::fs::read(path).map_err(|e| TlsError::Pem {
            path: path.to_owned(),
            file,
            source: pem::Error::Io(e),
        })?;
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.fingerprint.update(&length.to_be_bytes());
        self.fingerprint.update(&bytes);
        if file != TlsFile::ClientKey {
            self.sha256
                .insert(file.key(), crate::cutover::sha256_hex(&bytes));
        }
        Ok(bytes)
    }

    fn fingerprint(&self) -> [u8; 32] {
        let mut digest = [0; 32];
        digest.copy_from_slice(self.fingerprint.clone().finish().as_ref());
        digest
    }
}

/// `result`'s value, or `None` with its error kept.
fn kept<T>(errors: &mut Vec<TlsError>, result: Result<T, TlsError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The CA file's certificates as trust anchors.
fn roots(path: &Path, pem: &[u8]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path, pem, TlsFile::Ca)? {
        roots.add(cert).map_err(|source| TlsError::InvalidCa {
            path: path.to_owned(),
            source,
        })?;
    }
    Ok(roots)
}

/// Every certificate in the PEM text of the file at `path`; at least one.
fn certificates(
    path: &Path,
    pem: &[u8],
    file: TlsFile,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            path: path.to_owned(),
            file,
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
            file,
            holds: PemContents::of(pem),
        });
    }
    Ok(certs)
}

/// The first private key in the PEM text of the key file at `path`.
fn private_key(path: &Path, pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey {
            path: path.to_owned(),
            holds: PemContents::of(pem),
        },
        source => TlsError::Pem {
            path: path.to_owned(),
            file: TlsFile::ClientKey,
            source,
        },
    })
}

/// The client certificate with its key, once rustls has checked that the key is the
/// certificate's (`CertifiedKey::from_der` compares their public keys), whatever the CA is.
fn identity(
    cert: &Path,
    key: &Path,
    chain: Vec<CertificateDer<'static>>,
    der: PrivateKeyDer<'static>,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    CertifiedKey::from_der(chain, der, provider).map_err(|source| TlsError::InvalidClientIdentity {
        cert: cert.to_owned(),
        key: key.to_owned(),
        source,
    })
}

fn parse_server_name(name: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(name.to_owned()).map_err(|source| TlsError::InvalidServerName {
        name: name.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests;
