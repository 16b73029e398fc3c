//! What can be wrong with an engine's TLS files, one [`TlsError`] each, and all of them
//! together ([`TlsErrors`]); [`PemContents`] says what a PEM file holds instead of what it
//! should.

use std::fmt;
use std::path::PathBuf;

use rustls::pki_types::pem;

/// One of the TLS files of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFile {
    /// The CA certificates (`ca_file`).
    Ca,
    /// The client certificate chain (`client_cert_file`).
    ClientCert,
    /// The client's private key (`client_key_file`).
    ClientKey,
}

impl TlsFile {
    /// Its key in `[engines.<name>.tls]`.
    pub fn key(self) -> &'static str {
        match self {
            TlsFile::Ca => "ca_file",
            TlsFile::ClientCert => "client_cert_file",
            TlsFile::ClientKey => "client_key_file",
        }
    }

    /// What it holds, in words.
    pub fn holds(self) -> &'static str {
        match self {
            TlsFile::Ca => "ca certificates",
            TlsFile::ClientCert => "client certificate",
            TlsFile::ClientKey => "client key",
        }
    }
}

/// What a PEM file holds instead of what it should: the labels of its sections (`PRIVATE KEY`),
/// each once, in the file's order; none when it has no PEM section at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemContents(Vec<String>);

impl PemContents {
    /// The sections of the PEM text `bytes` (which the PEM reader has already accepted).
    pub(crate) fn of(bytes: &[u8]) -> PemContents {
        let mut labels: Vec<String> = Vec::new();
        for line in String::from_utf8_lossy(bytes).lines() {
            let label = line
                .trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|rest| rest.strip_suffix("-----"));
            if let Some(label) = label.filter(|l| !labels.iter().any(|seen| seen == l)) {
                labels.push(label.to_owned());
            }
        }
        PemContents(labels)
    }
}

impl fmt::Display for PemContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no PEM section");
        }
        for (i, label) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            match label.as_str() {
                "CERTIFICATE" => f.write_str("a certificate")?,
                "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                    f.write_str("a private key")?
                }
                "ENCRYPTED PRIVATE KEY" => f.write_str("an encrypted private key")?,
                "PUBLIC KEY" => f.write_str("a public key")?,
                "CERTIFICATE REQUEST" => f.write_str("a certificate signing request")?,
                "X509 CRL" => f.write_str("a certificate revocation list")?,
                // The label after the article, not before it: `EC PARAMETERS` would take "an".
                other => write!(f, "a section labelled {other:?}")?,
            }
        }
        Ok(())
    }
}

/// Why one part of the TLS settings could not be loaded. Each variant names the file or value at
/// fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("{}: cannot read {}: {source}", path.display(), file.holds())]
    Pem {
        /// The file.
        path: PathBuf,
        /// Which of the engine's files it is.
        file: TlsFile,
        /// The reader's error.
        source: pem::Error,
    },
    /// A certificate file holds no certificate (it holds a key, or no PEM at all).
    #[error("{}: no certificate found (it holds {holds})", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// Which of the engine's files it is.
        file: TlsFile,
        /// What it holds instead.
        holds: PemContents,
    },
    /// The key file holds no private key (it holds a certificate, or no PEM at all).
    #[error("{}: no private key found (it holds {holds})", path.display())]
    NoPrivateKey {
        /// The file.
        path: PathBuf,
        /// What it holds instead.
        holds: PemContents,
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
    /// The client key was rejected with the client certificate: it is not the certificate's
    /// (rustls compares their public keys) or rustls cannot use it.
    #[error("{}: invalid key for the client certificate {}: {source}", key.display(), cert.display())]
    InvalidClientIdentity {
        /// The client certificate file.
        cert: PathBuf,
        /// The client key file.
        key: PathBuf,
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

/// Every reason TLS settings could not be loaded, at least one: each file's own fault (CA,
/// client certificate, key), then the pair's and the server name's.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct TlsErrors(pub(super) Vec<TlsError>);

impl TlsErrors {
    /// Each reason, in the order above.
    pub fn errors(&self) -> &[TlsError] {
        &self.0
    }
}
