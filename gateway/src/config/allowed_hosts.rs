//! `[listeners.admin] allowed_hosts`: the host names the admin listener answers to besides IP
//! literals, `localhost` and names under `.localhost` (see `admin::host`), each checked to be a
//! host name as a browser sends it in `Host`, without scheme, port or wildcard, and kept in lower
//! case without a final dot, as the check compares them.

use super::problem::{Found, Problems};

/// The key, as problems name it.
const KEY: &str = "listeners.admin.allowed_hosts";

/// The names of `declared`, normalized; a problem at each that is no host name.
pub(super) fn allowed_hosts(declared: &[String], problems: &mut Problems) -> Vec<String> {
    let mut names = Vec::with_capacity(declared.len());
    for (index, name) in declared.iter().enumerate() {
        let normal = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if is_host_name(&normal) {
            names.push(normal);
        } else {
            problems.error(
                format!("{KEY}[{index}]"),
                "a host name as a browser sends it (no scheme, port or wildcard), e.g. \
                 \"review.bank.example\"",
                Found::text(name),
            );
        }
    }
    names
}

/// Letters, digits and hyphens in dot-separated labels of 1 to 63 characters that neither start
/// nor end with a hyphen, 253 characters at most (RFC 1123).
fn is_host_name(name: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    !name.is_empty() && name.len() <= 253 && name.split('.').all(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_in_lower_case_and_anything_else_is_named_by_its_index() {
        let declared = [
            "Review.Bank.Example.",
            "gw:9190",
            "localhost",
            "*.bank",
            "http://gw",
            "",
        ];
        let declared: Vec<String> = declared.iter().map(|d| d.to_string()).collect();
        let mut problems = Problems::new();
        let names = allowed_hosts(&declared, &mut problems);
        assert_eq!(names, ["review.bank.example", "localhost"]);
        let shown: Vec<String> = problems
            .into_vec()
            .iter()
            .map(ToString::to_string)
            .collect();
        let expected = "expected a host name as a browser sends it (no scheme, port or \
                        wildcard), e.g. \"review.bank.example\"";
        assert_eq!(
            shown,
            [
                format!("listeners.admin.allowed_hosts[1]: {expected}, found \"gw:9190\""),
                format!("listeners.admin.allowed_hosts[3]: {expected}, found \"*.bank\""),
                format!("listeners.admin.allowed_hosts[4]: {expected}, found \"http://gw\""),
                format!("listeners.admin.allowed_hosts[5]: {expected}, found \"\""),
            ]
        );
    }
}
