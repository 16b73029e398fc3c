//! Times in the review's zone inside text: the sentences the read model shares with the API
//! (readiness blockers, engine errors) carry RFC 3339 UTC times, which the page and the CLI's
//! text both write in `[review] time_zone`, as every other time they show.

use jiff::tz::TimeZone;

use super::ReviewView;

impl ReviewView {
    /// The view of the zone named `name` (an IANA name, as `[review] time_zone` and the daily
    /// API's `time_zone` give it), other settings default; `None` for a name the tz database
    /// does not know.
    pub fn named(name: &str) -> Option<Self> {
        let zone = TimeZone::get(name).ok()?;
        Some(Self {
            zone,
            ..Self::default()
        })
    }

    /// `text` with each RFC 3339 UTC time in it (`2026-12-01T07:00:49Z`, with or without a
    /// fraction) written as [`ReviewView::time`] writes it.
    pub fn in_zone(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        // `2026-12-01T07:00:49Z`, or with a fraction: a date, `T`, then up to a `Z`.
        let date_at = |i: usize| {
            i + 11 <= bytes.len()
                && digits(i..i + 4)
                && bytes[i + 4] == b'-'
                && digits(i + 5..i + 7)
                && bytes[i + 7] == b'-'
                && digits(i + 8..i + 10)
                && bytes[i + 10] == b'T'
        };
        let mut out = String::with_capacity(text.len());
        let (mut copied, mut i) = (0, 0);
        while i < bytes.len() {
            let zoned = date_at(i)
                .then(|| text[i..].find('Z').filter(|&z| z <= 30))
                .flatten()
                .and_then(|z| Some((z, crate::store::parse_rfc3339(&text[i..=i + z])?)));
            match zoned {
                Some((z, micros)) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(&self.time(micros));
                    i += z + 1;
                    copied = i;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_zone_writes_times_with_its_offset() {
        let seoul = ReviewView::named("Asia/Seoul").unwrap();
        // 2026-12-01T07:00:49Z
        assert_eq!(
            seoul.time(1_796_108_449_000_000),
            "2026-12-01 16:00:49 +09:00"
        );
        assert_eq!(seoul.zone_name(), "Asia/Seoul");
        assert_eq!(
            seoul.in_zone("blocked since 2026-12-01T07:00:49.5Z."),
            "blocked since 2026-12-01 16:00:49 +09:00."
        );
        assert!(ReviewView::named("Asia/Seol").is_none());
    }
}
