//! The connect probe: can the gateway open a connection to an engine right now?
//!
//! A TCP connect, plus the TLS handshake for an `https` engine (with the engine's own CA, client
//! certificate and server name); no request is sent and the connection is closed at once. The
//! whole probe (name resolution included) is bounded by the engine's connect timeout.
//!
//! With TLS 1.3 a server rejects a client certificate after the client's handshake is done, so a
//! probe can pass against an engine that refuses the gateway's mTLS identity; the calls then fail
//! with `connect` and count against the engine.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::health::Failure;
use super::{HttpEngineSettings, MciEngineSettings};

/// Where and how to probe one engine.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// `host:port` as resolved by the OS.
    address: String,
    /// Client configuration and the name to verify, for `https` engines.
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    /// Bound on the whole probe.
    timeout: Duration,
}

/// Why a probe failed: a [`Failure`] kind and the network stack's explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", kind.as_str())]
pub struct ProbeError {
    /// What failed.
    pub kind: Failure,
    /// The explanation, for logs.
    pub detail: String,
}

impl ProbeTarget {
    /// The target of an `http`/`https` engine: the URL's host and port (80 or 443 by default).
    pub fn http(settings: &HttpEngineSettings) -> Self {
        let url = &settings.url;
        let host = url.host().unwrap_or_default();
        let port = url
            .port_u16()
            .unwrap_or(if settings.tls.is_some() { 443 } else { 80 });
        // An IPv6 literal keeps its brackets in `host()`, as `host:port` parsing wants them.
        let address = format!("{host}:{port}");
        let tls = settings.tls.as_ref().and_then(|tls| {
            let name = match &tls.server_name {
                Some(name) => Some(name.clone()),
                None => ServerName::try_from(host.trim_matches(['[', ']']).to_owned()).ok(),
            };
            name.map(|name| (tls.config.clone(), name))
        });
        ProbeTarget {
            address,
            tls,
            timeout: settings.connect_timeout,
        }
    }

    /// The target of an `mci` engine: its `host:port`.
    pub fn mci(settings: &MciEngineSettings) -> Self {
        ProbeTarget {
            address: settings.address.clone(),
            tls: None,
            timeout: settings.connect_timeout,
        }
    }

    /// Where the probe connects, for logs.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Connects (and shakes hands) within the connect timeout, then closes.
    pub async fn probe(&self) -> Result<(), ProbeError> {
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.connect()).await {
            Ok(result) => result,
            Err(_) => Err(ProbeError {
                kind: Failure::Connect,
                detail: format!(
                    "no connection within the {}ms connect timeout",
                    timeout.as_millis()
                ),
            }),
        }
    }

    async fn connect(&self) -> Result<(), ProbeError> {
        let fail = |kind, detail: String| ProbeError { kind, detail };
        let addresses = tokio::net::lookup_host(self.address.as_str())
            .await
            .map_err(|e| fail(Failure::Resolve, format!("{}: {e}", self.address)))?;
        let mut last = fail(
            Failure::Resolve,
            format!("{}: resolves to no address", self.address),
        );
        for address in addresses {
            let stream = match TcpStream::connect(address).await {
                Ok(stream) => stream,
                Err(e) => {
                    last = fail(Failure::Connect, format!("{address}: {e}"));
                    continue;
                }
            };
            let Some((config, name)) = &self.tls else {
                return Ok(());
            };
            return TlsConnector::from(config.clone())
                .connect(name.clone(), stream)
                .await
                .map(drop)
                .map_err(|e| fail(Failure::Tls, format!("{address}: {e}")));
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mci(address: &str) -> ProbeTarget {
        let mut settings = MciEngineSettings::new("legacy", address);
        settings.connect_timeout = Duration::from_secs(2);
        ProbeTarget::mci(&settings)
    }

    #[tokio::test]
    async fn a_listening_engine_passes() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = mci(&listener.local_addr().unwrap().to_string());
        assert_eq!(target.probe().await, Ok(()));
    }

    #[tokio::test]
    async fn a_refused_connect_fails_with_connect() {
        let address = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        };
        let error = mci(&address).probe().await.unwrap_err();
        assert_eq!(error.kind, Failure::Connect, "{error}");
        assert!(error.detail.contains(&address), "{error}");
    }

    #[tokio::test]
    async fn an_address_without_a_port_fails_with_resolve() {
        let error = mci("legacy-host").probe().await.unwrap_err();
        assert_eq!(error.kind, Failure::Resolve, "{error}");
        assert!(
            error.to_string().starts_with("resolve: legacy-host"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_failed_handshake_fails_with_tls() {
        // A plain TCP server that hangs up: the connect succeeds, the handshake cannot.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let url = format!("https://127.0.0.1:{port}").parse().unwrap();
        let mut settings = HttpEngineSettings::new("new", url);
        settings.tls = Some(crate::engine::TlsSettings {
            config: Arc::new(config),
            server_name: None,
            fingerprint: [0; 32],
            file_sha256: Default::default(),
        });
        let error = ProbeTarget::http(&settings).probe().await.unwrap_err();
        assert_eq!(error.kind, Failure::Tls, "{error}");
    }

    #[tokio::test]
    async fn http_targets_default_their_port_by_scheme() {
        let settings = HttpEngineSettings::new("new", "http://engine.bank".parse().unwrap());
        assert_eq!(ProbeTarget::http(&settings).address(), "engine.bank:80");
        let settings = HttpEngineSettings::new("new", "http://10.0.0.5:8080/x".parse().unwrap());
        assert_eq!(ProbeTarget::http(&settings).address(), "10.0.0.5:8080");
    }
}
