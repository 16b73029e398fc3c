//! A count and its noun agreeing in the sentences people read: `1 open group`, `2 open groups`,
//! `1 mismatch`, `3 entries`. Every count printed before a noun goes through here, so none says
//! `1 open groups`.

use std::borrow::Cow;

/// `n` and `noun` in the number `n` asks for: `1 open group`, `2 open groups`, `0 mismatches`.
/// A count shown in thousands (`10,000`) takes [`noun_for`] after it.
pub fn plural(n: u64, noun: &str) -> String {
    format!("{n} {}", noun_for(n, noun))
}

/// `noun` (singular, as in `open group`) in the number `n` asks for: itself for 1, else its
/// plural by the English rules the nouns printed here follow (`group`: `groups`, `mismatch`:
/// `mismatches`, `entry`: `entries`); the last word of a phrase takes the ending.
pub fn noun_for(n: u64, noun: &str) -> Cow<'_, str> {
    if n == 1 {
        return Cow::Borrowed(noun);
    }
    let consonant_y = noun
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']));
    if let Some(stem) = consonant_y {
        return Cow::Owned(format!("{stem}ies"));
    }
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| noun.ends_with(end))
    {
        return Cow::Owned(format!("{noun}es"));
    }
    Cow::Owned(format!("{noun}s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "open group"), "1 open group");
        assert_eq!(plural(0, "open group"), "0 open groups");
        assert_eq!(plural(2, "open group"), "2 open groups");
        assert_eq!(plural(10_000, "comparison"), "10000 comparisons");
    }

    #[test]
    fn the_nouns_printed_take_their_english_plural() {
        for (noun, many) in [
            ("mismatch", "mismatches"),
            ("entry", "entries"),
            ("clean day", "clean days"),
            ("key", "keys"),
            ("row", "rows"),
            ("shadow call", "shadow calls"),
            ("box", "boxes"),
        ] {
            assert_eq!(noun_for(2, noun), many);
            assert_eq!(noun_for(1, noun), noun);
        }
    }
}
