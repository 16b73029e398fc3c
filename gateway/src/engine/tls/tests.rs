#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use rustls::InconsistentKeys;

use super::*;

/// A folder of PEM files written by name.
struct Pems(tempfile::TempDir);

impl Pems {
    fn new() -> Pems {
        Pems(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn certificate() -> rcgen::CertifiedKey<rcgen::KeyPair> {
    rcgen::generate_simple_self_signed(vec!["engine".to_owned()]).unwrap()
}

#[test]
fn settings_are_equal_by_their_files_contents_and_server_name() {
    let pems = Pems::new();
    let ca = pems.write("ca.pem", &certificate().cert.pem());
    let load = |ca: &Path, name| TlsSettings::load(ca, None, None, name).unwrap();
    // Loaded twice, another file with the same text: equal.
    let copy = pems.write("copy.pem", &std::fs::read_to_string(&ca).unwrap());
    assert_eq!(load(&ca, None), load(&copy, None));
    assert_ne!(load(&ca, None), load(&ca, Some("engine.bank")));
    // A renewed certificate in the same file: another setting.
    let before = load(&ca, None);
    let ca = pems.write("ca.pem", &certificate().cert.pem());
    assert_ne!(before, load(&ca, None));
}

#[test]
fn every_file_that_does_not_parse_is_reported_in_one_load_with_what_it_holds() {
    let pems = Pems::new();
    let identity = certificate();
    let ca = pems.write("ca.pem", "not a certificate\n");
    let cert = pems.write("client.pem", &identity.signing_key.serialize_pem());
    let key = pems.write("client.key", &identity.cert.pem());
    let errors = TlsSettings::load(&ca, Some(&cert), Some(&key), Some("bad name!")).unwrap_err();
    let shown: Vec<String> = errors.errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            format!(
                "{}: no certificate found (it holds no PEM section)",
                ca.display()
            ),
            format!(
                "{}: no certificate found (it holds a private key)",
                cert.display()
            ),
            format!(
                "{}: no private key found (it holds a certificate)",
                key.display()
            ),
            "invalid server name \"bad name!\": invalid dns name".to_owned(),
        ]
    );
    assert!(matches!(
        errors.errors()[1],
        TlsError::NoCertificate {
            file: TlsFile::ClientCert,
            ..
        }
    ));
    assert_eq!(errors.to_string(), shown.join("; "));
}

#[test]
fn a_key_of_another_certificate_is_found_whatever_the_ca_and_names_both_files() {
    let pems = Pems::new();
    let ca = pems.write("ca.pem", "");
    let cert = pems.write("client.pem", &certificate().cert.pem());
    let key = pems.write("other.key", &certificate().signing_key.serialize_pem());
    let errors = TlsSettings::load(&ca, Some(&cert), Some(&key), None).unwrap_err();
    let [TlsError::NoCertificate { .. }, TlsError::InvalidClientIdentity {
        cert: named_cert,
        key: named_key,
        source,
    }] = errors.errors()
    else {
        panic!("{errors}");
    };
    assert_eq!((named_cert, named_key), (&cert, &key));
    assert!(
        matches!(
            source,
            rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch)
        ),
        "{source}"
    );
}

#[test]
fn a_certificate_without_its_key_is_said_beside_the_certificates_own_fault() {
    let pems = Pems::new();
    let ca = pems.write("ca.pem", &certificate().cert.pem());
    let cert = pems.write("client.pem", "");
    let errors = TlsSettings::load(&ca, Some(&cert), None, None).unwrap_err();
    assert!(
        matches!(
            errors.errors(),
            [
                TlsError::NoCertificate { .. },
                TlsError::IncompleteClientIdentity
            ]
        ),
        "{errors}"
    );
    // Every file that cannot be read, too.
    let missing = pems.0.path().join("missing.pem");
    let errors = TlsSettings::load(&missing, Some(&missing), Some(&missing), None).unwrap_err();
    let files: Vec<TlsFile> = errors
        .errors()
        .iter()
        .filter_map(|e| match e {
            TlsError::Pem { file, .. } => Some(*file),
            _ => None,
        })
        .collect();
    assert_eq!(
        files,
        [TlsFile::Ca, TlsFile::ClientCert, TlsFile::ClientKey],
        "{errors}"
    );
}

#[test]
fn what_a_pem_file_holds_is_said_once_per_kind_in_words() {
    let holds = |text: &str| PemContents::of(text.as_bytes()).to_string();
    let section = |label: &str| format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
    assert_eq!(holds("plain text"), "no PEM section");
    assert_eq!(
        holds(&[section("CERTIFICATE"), section("CERTIFICATE")].concat()),
        "a certificate"
    );
    assert_eq!(
        holds(&[section("EC PRIVATE KEY"), section("CERTIFICATE REQUEST")].concat()),
        "a private key and a certificate signing request"
    );
    assert_eq!(
        holds(&section("ENCRYPTED PRIVATE KEY")),
        "an encrypted private key"
    );
    assert_eq!(
        holds(&section("DH PARAMETERS")),
        "a section labelled \"DH PARAMETERS\""
    );
    assert_eq!(
        holds(&section("EC PARAMETERS")),
        "a section labelled \"EC PARAMETERS\""
    );
}
