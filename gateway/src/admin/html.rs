//! The pages' shared shell: escaping, the document frame, one inline stylesheet.
//!
//! No scripts and no external assets: the page works offline, behind a proxy and under a strict
//! content security policy. Every value passes through [`escape`]; links are relative so a proxy
//! may serve the pages under a path prefix.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::Full;

type Response = http::Response<Full<Bytes>>;

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#f6f7f9}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin:0 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:0 0 1rem}
table{border-collapse:collapse;margin:.3rem 0}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ready{color:#116329;font-weight:bold}.blocked{color:#a40e26;font-weight:bold}
tr.diff td{background:#fff1c2}tr.diff td.path{font-weight:bold}
tr.hidden-by-rule td{color:#8c959f}tr.hidden-by-rule td.rule{font-style:italic}
pre{background:#f0f2f4;padding:.5rem;overflow-x:auto}.muted{color:#57606a}
.sides{display:flex;gap:1rem;flex-wrap:wrap}.sides>div{flex:1;min-width:20rem}
.t{white-space:nowrap}svg .comparisons{fill:#8c959f}svg .failures,svg .group{fill:#cf222e}
svg .axis{font-size:10px;fill:#57606a}.pager{margin:.5rem 0}
";

/// Escapes text for HTML element content and quoted attribute values (the pages, the cutover
/// sign-off report).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` with its first letter upper case: headings are in sentence case ("Mismatch 0000… in
/// loan") under titles in lower case ("shadowgate: mismatch 0000… in loan").
pub(super) fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A complete page with `title` and an already escaped `body`.
pub(super) fn document(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n",
        escape(title)
    );
    let mut response = http::Response::new(Full::new(Bytes::from(page)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Nothing on these pages needs scripts, frames or other origins.
    headers.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

/// Where a page's link back to the report points, relative to the page's own path, so that it
/// also works under a proxy's path prefix (`/sg/batches` → `/sg/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Report {
    /// The page is at the top level beside the report (`/mismatches`, `/batches`, `/`): `./`.
    Beside,
    /// The page is one level below it (`/mismatches/ID`): `../`.
    Above,
    /// The page is this many levels below it (`/a/b/c`: 2, `../../`).
    Levels(usize),
    /// The page is the report itself (`/`): the link reloads it.
    Itself,
}

impl Report {
    /// From a page at `path` (the request's, without the proxy's prefix): as many levels up as
    /// the path has directories, which is how a browser resolves the relative link (`/a/b/`:
    /// 2, as is `/a/b/c`; `/a`: none).
    pub(super) fn of(path: &str) -> Report {
        Report::Levels(path.matches('/').count().saturating_sub(1))
    }

    /// The relative link.
    pub(super) fn href(self) -> String {
        match self {
            Report::Beside | Report::Itself | Report::Levels(0) => "./".to_owned(),
            Report::Above => "../".to_owned(),
            Report::Levels(levels) => "../".repeat(levels),
        }
    }

    /// The link's words: back to the report, or the report again from the report itself.
    fn link_text(self) -> &'static str {
        match self {
            Report::Itself => "reload the report",
            _ => "back to the report",
        }
    }
}

/// An error page: `what` went wrong in a few lowercase words (`record not found`) as its title
/// (`shadowgate: record not found`) and, in sentence case, its heading; under the heading the
/// HTTP status (`404 Not Found`), then `message` with the details, and a link back to the
/// report from where the page is (`report`).
pub(super) fn error(status: StatusCode, what: &str, message: &str, report: Report) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"muted status\">{}</p><p>{}</p>\
         <p><a href=\"{}\">{}</a></p>",
        escape(&sentence_case(what)),
        status,
        escape(message),
        escape(&report.href()),
        report.link_text()
    );
    document(status, &format!("shadowgate: {what}"), &body)
}

/// The error page of a page whose store read failed: 503 while the store cannot be read now
/// (degraded, a fleet database away), 500 for another failure, logged as the JSON routes log
/// theirs ([`super::api::store_failure`]).
pub(super) fn store_error_page(
    what: &str,
    failure: &crate::store::StoreError,
    report: Report,
) -> Response {
    let status = super::api::store_failure(failure, failure.is_unavailable());
    error(status, what, &failure.to_string(), report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_case_raises_the_first_letter_only() {
        assert_eq!(sentence_case("shadow error"), "Shadow error");
        assert_eq!(sentence_case("Records"), "Records");
        assert_eq!(sentence_case(""), "");
    }

    #[test]
    fn the_link_back_from_a_path_goes_up_as_many_levels_as_a_browser_resolves() {
        let href = |path| Report::of(path).href();
        assert_eq!(href("/"), "./");
        assert_eq!(href("/nope"), "./");
        assert_eq!(href("/nope/"), "../");
        assert_eq!(href("/a/b/c"), "../../");
        assert_eq!(href("/a//b"), "../../");
        assert_eq!(Report::Beside.href(), "./");
        assert_eq!(Report::Above.href(), "../");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("홍*"), "홍*");
    }
}
