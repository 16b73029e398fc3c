//! A real Prometheus for tests: Debian's `prometheus` binary on a free loopback port, scraping one
//! target every second into a temporary storage dir, queried over its HTTP API, killed on drop.
//!
//! `tests/run.sh` installs the package when `prometheus` is missing; without it [`TestPrometheus::start`]
//! fails with a message saying so, never skips.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long Prometheus may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Deadline of one HTTP exchange with Prometheus.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A running Prometheus, killed when dropped.
pub struct TestPrometheus {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

/// One series of a query result: its labels (`__name__` included when kept) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Label names and values.
    pub labels: BTreeMap<String, String>,
    /// The sample value (`NaN` and `±Inf` included).
    pub value: f64,
}

impl TestPrometheus {
    /// Starts Prometheus scraping `http://{target}/metrics` every second (job `shadowgate`), with
    /// the rule files in `rules` evaluated every second, and waits until it is ready.
    pub fn start(target: SocketAddr, rules: &[&Path]) -> TestPrometheus {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let rule_files: String = rules
            .iter()
            .map(|path| format!("  - {:?}\n", path.canonicalize().unwrap()))
            .collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n{rule_files}\
             scrape_configs:\n  - job_name: shadowgate\n    metrics_path: /metrics\n    \
             static_configs:\n      - targets: [\"{target}\"]\n"
        );
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "prometheus could not be started ({error}); install Debian's `prometheus` \
                     package (tests/run.sh does)"
                )
            });
        let mut prometheus = TestPrometheus { child, addr, dir };
        prometheus.wait_ready();
        prometheus
    }

    /// The address of Prometheus' HTTP API.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Evaluates `expr` now; `Err` carries Prometheus' error (an invalid query, say).
    pub fn query(&self, expr: &str) -> Result<Vec<Series>, String> {
        let data = self
            .api(&format!("/api/v1/query?query={}", encode(expr)))
            .map_err(|error| format!("`{expr}`: {error}"))?;
        match data["resultType"].as_str() {
            Some("vector") => Ok(data["result"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| Series {
                    labels: serde_json::from_value(item["metric"].clone()).unwrap_or_default(),
                    value: sample_value(&item["value"]),
                })
                .collect()),
            Some("scalar") => Ok(vec![Series {
                labels: BTreeMap::new(),
                value: sample_value(&data["result"]),
            }]),
            other => Err(format!("`{expr}`: unexpected result type {other:?}")),
        }
    }

    /// The `data` of a successful answer of the HTTP API at `path_and_query` (`/api/v1/rules`,
    /// say); `Err` carries Prometheus' error type and message.
    pub fn api(&self, path_and_query: &str) -> Result<Value, String> {
        let (status, body) = self.get(path_and_query)?;
        let mut json: Value = serde_json::from_str(&body)
            .map_err(|error| format!("HTTP {status}, not JSON ({error}): {body}"))?;
        if json["status"] != "success" {
            return Err(format!("{} {}", json["errorType"], json["error"]));
        }
        Ok(json["data"].take())
    }

    /// Polls `expr` until it returns at least one series, for at most `timeout`.
    pub fn wait_for(&self, expr: &str, timeout: Duration) -> Vec<Series> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.query(expr) {
                Ok(series) if !series.is_empty() => return series,
                Ok(_) if Instant::now() < deadline => {}
                Ok(_) => panic!("`{expr}` returned no series within {timeout:?}"),
                Err(error) => panic!("{error}"),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Prometheus' own output so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("prometheus exited with {status}:\n{}", self.log());
            }
            if matches!(self.get("/-/ready"), Ok((200, _))) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "prometheus not ready within {READY_TIMEOUT:?}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn get(&self, path_and_query: &str) -> Result<(u16, String), String> {
        http_get(self.addr, path_and_query)
    }
}

/// One blocking HTTP/1.0 GET of `http://{addr}{path_and_query}` with deadlines: the status code
/// and the body (a scrape of a target's `/metrics`, say).
pub fn http_get(addr: SocketAddr, path_and_query: &str) -> Result<(u16, String), String> {
    let exchange = || -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        write!(
            stream,
            "GET {path_and_query} HTTP/1.0\r\nHost: {addr}\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    };
    let response = exchange().map_err(|error| format!("GET {path_and_query}: {error}"))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path_and_query}: no header end in {response:?}"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("GET {path_and_query}: bad status line in {head:?}"))?;
    Ok((status, body.to_owned()))
}

impl Drop for TestPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A sample `[timestamp, "value"]` as a number (Prometheus writes `"NaN"`, `"+Inf"`, `"-Inf"`).
fn sample_value(sample: &Value) -> f64 {
    match sample[1].as_str().unwrap_or("NaN") {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        text => text.parse().unwrap_or(f64::NAN),
    }
}

/// Percent-encodes a query parameter (everything but RFC 3986 unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prometheus scrapes a static exposition and answers queries; an invalid query is an error.
    #[test]
    fn scrapes_and_answers_queries() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let target = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let body = "# HELP shadowgate_test_total A test.\n# TYPE shadowgate_test_total counter\nshadowgate_test_total{strategy=\"loan\"} 7\n";
                let _ = write!(
                    stream,
                    "HTTP/1.0 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let prometheus = TestPrometheus::start(target, &[]);
        let series = prometheus.wait_for("shadowgate_test_total", Duration::from_secs(20));
        assert_eq!(series[0].value, 7.0, "{series:?}");
        assert_eq!(series[0].labels["strategy"], "loan");
        assert_eq!(series[0].labels["job"], "shadowgate");
        let scalar = prometheus.query("1 + 1").unwrap();
        assert_eq!(scalar[0].value, 2.0);
        let error = prometheus.query("sum(rate(").unwrap_err();
        assert!(error.contains("bad_data"), "{error}");
    }
}
