//! Validation of the link keys (`link`, `answer_address`) of MCI listeners and `mci` engines.
//!
//! One rule set for both sides: `answer_address` belongs to `dual_socket` alone and is required
//! there; a dual-socket link matches answers by the layout's correlation field, so its layout must
//! declare one; polls keep idle pooled connections alive, so they need a `persistent` engine link.

use std::net::SocketAddr;

use super::problem::{Found, Problems};
use super::raw::LinkMode;
use super::ListenerLink;
use crate::engine::EngineLink;
use protocol_mci::Layout;

/// What both sides check: `key` is the listener's or engine's section. Gives the answer
/// address text of a dual-socket link.
fn common<'a>(
    key: &str,
    link: LinkMode,
    answer_address: Option<&'a str>,
    layout: Option<&Layout>,
    problems: &mut Problems,
) -> Option<&'a str> {
    let at = format!("{key}.answer_address");
    match (link, answer_address) {
        (LinkMode::DualSocket, None) => {
            problems.error(
                &at,
                "where the answer socket connects, with link = \"dual_socket\"",
                Found::nothing(),
            );
        }
        (LinkMode::DualSocket, Some(_)) => {}
        (other, Some(text)) => problems.error(
            &at,
            format!(
                "no such key with link = {:?} (only with \"dual_socket\")",
                other.as_str()
            ),
            Found::text(text),
        ),
        (_, None) => {}
    }
    if link == LinkMode::DualSocket {
        if let Some(layout) = layout.filter(|l| l.correlation_field().is_none()) {
            problems.error(
                format!("{key}.link"),
                "a layout with header.correlation_field (dual-socket answers are matched by it)",
                Found::because(&layout.name, "it declares none"),
            );
        }
    }
    answer_address.filter(|_| link == LinkMode::DualSocket)
}

/// The link of `[[listeners.mci]]` number `key`; its answer address is an `ip:port` to bind,
/// not the request address.
pub(super) fn listener_link(
    key: &str,
    link: LinkMode,
    answer_address: Option<&str>,
    address: Option<SocketAddr>,
    layout: Option<&Layout>,
    problems: &mut Problems,
) -> Option<ListenerLink> {
    let answer = common(key, link, answer_address, layout, problems);
    Some(match link {
        LinkMode::Persistent => ListenerLink::Persistent,
        LinkMode::OneShot => ListenerLink::OneShot,
        LinkMode::DualSocket => {
            let text = answer?;
            let at = format!("{key}.answer_address");
            let Ok(answer_address) = text.parse::<SocketAddr>() else {
                super::address::wrong_address(&at, "ip:port", 0, text, problems);
                return None;
            };
            if address == Some(answer_address) && answer_address.port() != 0 {
                problems.error(
                    &at,
                    "a port other than the request socket's `address`",
                    Found::text(text),
                );
            }
            ListenerLink::DualSocket { answer_address }
        }
    })
}

/// The link of `[engines.<name>]` (`key`); `poll_interval_ms` needs a persistent link.
pub(super) fn engine_link(
    key: &str,
    link: LinkMode,
    answer_address: Option<&str>,
    poll_interval_ms: u64,
    layout: Option<&Layout>,
    problems: &mut Problems,
) -> Option<EngineLink> {
    let answer = common(key, link, answer_address, layout, problems);
    if poll_interval_ms > 0 && link != LinkMode::Persistent {
        problems.error(
            format!("{key}.poll_interval_ms"),
            format!(
                "0 with link = {:?} (polls keep idle pooled connections alive: link = \"persistent\")",
                link.as_str()
            ),
            Found::value(poll_interval_ms),
        );
    }
    Some(match link {
        LinkMode::Persistent => EngineLink::Persistent,
        LinkMode::OneShot => EngineLink::OneShot,
        LinkMode::DualSocket => {
            let text = answer?;
            let answer_address =
                super::address::host_port(&format!("{key}.answer_address"), text, problems)?;
            EngineLink::DualSocket { answer_address }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use crate::config::tests::{config, example_layout, problems};
    use crate::config::{load, EngineSpec, ListenerLink};
    use crate::engine::EngineLink;

    #[test]
    fn link_modes_load_into_their_runtime_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            &[
                (
                    "layout = \"loan\"\n\n[layouts]",
                    "layout = \"loan\"\nlink = \"dual_socket\"\nanswer_address = \"127.0.0.1:0\"\n\n[layouts]",
                ),
                (
                    "address = \"127.0.0.1:7001\"",
                    "address = \"127.0.0.1:7001\"\nlink = \"dual_socket\"\nanswer_address = \"legacy-host:7002\"",
                ),
            ],
            "",
        );
        let config = load(&path).unwrap();
        assert!(matches!(
            config.mci_listeners[0].link,
            ListenerLink::DualSocket { answer_address } if answer_address.port() == 0
        ));
        let Some(EngineSpec::Mci { settings, .. }) = config.engines.get("legacy") else {
            panic!("the mci engine is built");
        };
        assert_eq!(
            settings.link,
            EngineLink::DualSocket {
                answer_address: "legacy-host:7002".into()
            }
        );
    }

    #[test]
    fn link_mistakes_are_reported_at_their_keys() {
        let dir = tempfile::tempdir().unwrap();
        // A layout without a correlation field: dual-socket answers could not be matched.
        let text = std::fs::read_to_string(example_layout()).unwrap();
        let uncorrelated = dir.path().join("uncorrelated.toml");
        std::fs::write(
            &uncorrelated,
            text.replace("correlation_field = \"guid\"\n", ""),
        )
        .unwrap();
        let other = "\n[engines.other]\nprotocol = \"mci\"\naddress = \"127.0.0.1:7003\"\n\
                     layout = \"plain\"\nlink = \"dual_socket\"\nanswer_address = \"127.0.0.1:7004\"\n\
                     poll_interval_ms = 100\n";
        let path = config(
            dir.path(),
            &[
                (
                    "layout = \"loan\"\n\n[layouts]\n",
                    &format!(
                        "layout = \"loan\"\nlink = \"one_shot\"\nanswer_address = \"127.0.0.1:9\"\n\n\
                         [layouts]\nplain = {uncorrelated:?}\n"
                    ),
                ),
                (
                    "address = \"127.0.0.1:7001\"",
                    "address = \"127.0.0.1:7001\"\nlink = \"dual_socket\"\npoll_interval_ms = 100",
                ),
            ],
            other,
        );
        let shown: Vec<String> = problems(&path).iter().map(ToString::to_string).collect();
        // Without the line of its key (`listeners.mci[0].answer_address (line 7, column 18)`).
        let unlocated = |s: &str| match s.split_once(" (line ") {
            Some((key, rest)) => format!("{key}{}", rest.split_once(')').map_or("", |r| r.1)),
            None => s.to_owned(),
        };
        for expected in [
            "listeners.mci[0].answer_address: expected no such key with link = \"one_shot\"",
            "engines.legacy.answer_address (in the table at line 13): expected where the answer \
             socket connects",
            "engines.legacy.poll_interval_ms: expected 0 with link = \"dual_socket\"",
            "engines.other.link: expected a layout with header.correlation_field",
            "engines.other.poll_interval_ms: expected 0 with link = \"dual_socket\"",
        ] {
            assert!(
                shown.iter().any(|s| unlocated(s).starts_with(expected)),
                "{expected:?} missing from {shown:#?}"
            );
        }
    }
}
