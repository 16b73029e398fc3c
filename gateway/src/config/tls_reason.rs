//! Why a TLS file does not do, in words, for the `found "certs/ca.pem" (…)` of a problem.
//!
//! rustls writes some of its reasons as debug values (`invalid peer certificate: BadEncoding`,
//! `keys may not be consistent: KeyMismatch`) and the PEM reader prefixes OS errors
//! (`I/O error: No such file or directory`); an engineer reading `check-config` gets
//! `a certificate whose DER encoding does not decode` and `no such file or directory`.

use rustls::pki_types::pem;
use rustls::{CertificateError, InconsistentKeys};

use super::problem::reason;
use crate::engine::TlsError;

/// The reason of `error` alone: no path (the problem quotes the one declared) and no debug value.
pub(super) fn tls_reason(error: &TlsError) -> String {
    match error {
        TlsError::Pem { source, .. } => pem_reason(source),
        TlsError::NoCertificate { holds, .. } | TlsError::NoPrivateKey { holds, .. } => {
            format!("it holds {holds}")
        }
        TlsError::InvalidCa { source, .. } | TlsError::InvalidClientIdentity { source, .. } => {
            rustls_reason(source)
        }
        TlsError::IncompleteClientIdentity => reason(error),
        TlsError::InvalidServerName { source, .. } => reason(source),
        TlsError::Setup(source) => rustls_reason(source),
    }
}

/// The PEM reader's reason.
fn pem_reason(error: &pem::Error) -> String {
    match error {
        pem::Error::Io(io) => reason(io),
        pem::Error::MissingSectionEnd { .. } => "a PEM section without its END line".to_owned(),
        pem::Error::IllegalSectionStart { .. } => {
            "a BEGIN line inside another PEM section".to_owned()
        }
        pem::Error::Base64Decode(_) => "a PEM section whose base64 does not decode".to_owned(),
        pem::Error::NoItemsFound => "no PEM section".to_owned(),
        other => reason(other),
    }
}

/// rustls' reason, its debug values in words.
fn rustls_reason(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(certificate) => certificate_reason(certificate),
        rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch) => {
            "a key that does not match the certificate's public key".to_owned()
        }
        rustls::Error::InconsistentKeys(_) => {
            "a key whose public key cannot be compared with the certificate's".to_owned()
        }
        rustls::Error::General(text) => reason(text),
        other => reason(other),
    }
}

/// A certificate's fault (of a TLS file, or of the certificate a server presented). Those rustls
/// says in words (with a time or a name) are kept.
pub(super) fn certificate_reason(error: &CertificateError) -> String {
    let said = match error {
        CertificateError::BadEncoding => "a certificate whose DER encoding does not decode",
        CertificateError::Expired => "an expired certificate",
        CertificateError::NotValidYet => "a certificate not valid yet",
        CertificateError::Revoked => "a revoked certificate",
        CertificateError::UnknownIssuer => "a certificate of an issuer it does not trust",
        CertificateError::BadSignature => "a certificate whose signature does not verify",
        CertificateError::UnhandledCriticalExtension => {
            "a certificate with a critical extension rustls does not handle"
        }
        CertificateError::InvalidPurpose => "a certificate not meant for this use (key usage)",
        other => return reason(words(&other.to_string())),
    };
    said.to_owned()
}

/// A debug value (`UnknownRevocationStatus`, `UnsupportedSignatureAlgorithmContext { … }`) as
/// lower-case words of its name, without rustls' `Context` suffix (`unknown revocation
/// status`); any other text as it is.
fn words(text: &str) -> String {
    let name = text.split([' ', '(', '{']).next().unwrap_or(text);
    let rest = &text[name.len()..];
    let debug = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.chars().any(|c| c.is_ascii_lowercase())
        && (rest.is_empty() || rest.starts_with(" {") || rest.starts_with('('));
    if !debug {
        return text.to_owned();
    }
    let name = name.strip_suffix("Context").unwrap_or(name);
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::TlsFile;

    #[test]
    fn rustls_debug_values_are_said_in_words() {
        let ca = TlsError::InvalidCa {
            path: PathBuf::from("/etc/ca.pem"),
            source: rustls::Error::InvalidCertificate(CertificateError::BadEncoding),
        };
        assert_eq!(
            tls_reason(&ca),
            "a certificate whose DER encoding does not decode"
        );
        let keys = TlsError::InvalidClientIdentity {
            cert: PathBuf::from("client.pem"),
            key: PathBuf::from("client.key"),
            source: rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch),
        };
        assert_eq!(
            tls_reason(&keys),
            "a key that does not match the certificate's public key"
        );
        let other = rustls::Error::InvalidCertificate(CertificateError::UnknownRevocationStatus);
        assert_eq!(rustls_reason(&other), "unknown revocation status");
        assert_eq!(
            words("UnsupportedSignatureAlgorithmContext { signature_algorithm: X }"),
            "unsupported signature algorithm"
        );
        assert_eq!(words("TOML"), "TOML");
    }

    #[test]
    fn a_pem_file_that_cannot_be_read_gives_the_systems_reason_alone() {
        let missing = TlsError::Pem {
            path: PathBuf::from("/etc/ca.pem"),
            file: TlsFile::Ca,
            source: pem::Error::Io(std::io::Error::from_raw_os_error(2)),
        };
        assert_eq!(tls_reason(&missing), "no such file or directory");
        let cut = TlsError::Pem {
            path: PathBuf::from("/etc/ca.pem"),
            file: TlsFile::Ca,
            source: pem::Error::MissingSectionEnd {
                end_marker: b"-----END CERTIFICATE-----".to_vec(),
            },
        };
        assert_eq!(tls_reason(&cut), "a PEM section without its END line");
        assert_eq!(words("a text, as it is"), "a text, as it is");
    }
}
