//! Fixed-width text tables for terminals: each column as wide as its widest cell, counted in
//! terminal columns, so a long value (`shadow_error/connect`) or a Hangul one (two columns a
//! syllable) never pushes the next column out of line. `groups list`, `mismatches list`, the
//! batch groups and the replay cases are all written with it.

use unicode_width::UnicodeWidthStr;

/// Space between two columns.
const GAP: &str = "  ";

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    /// Text: spaces after it.
    Left,
    /// Numbers: spaces before them, so their last digits line up.
    Right,
}

/// Per column, the width of its widest cell (header included when it is a row) in terminal
/// columns.
pub(super) fn widths<const N: usize>(rows: &[[String; N]]) -> [usize; N] {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    widths
}

/// `text` followed by spaces up to `width` terminal columns: Hangul takes two columns a syllable,
/// so padding by characters (`{:<N}`) would push the next column right.
pub fn padded(text: &str, width: usize) -> String {
    let spaces = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(spaces))
}

/// Spaces, then `text`, ending at `width` terminal columns.
pub(super) fn right(text: &str, width: usize) -> String {
    let spaces = width.saturating_sub(text.width());
    format!("{}{text}", " ".repeat(spaces))
}

/// The rows (a header is just the first row) as lines, cells two spaces apart. A last column
/// aligned left is free text (fields, details): written as it is, with no trailing spaces.
pub(super) fn lines<const N: usize>(rows: &[[String; N]], align: [Align; N]) -> Vec<String> {
    let widths = widths(rows);
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths.iter().zip(align))
                .enumerate()
                .map(|(i, (cell, (&width, align)))| match align {
                    Align::Right => right(cell, width),
                    Align::Left if i + 1 == N => cell.clone(),
                    Align::Left => padded(cell, width),
                })
                .collect();
            cells.join(GAP).trim_end().to_owned()
        })
        .collect()
}

/// Asserts that in every line, each of `cells` (one per line, in the same column) starts at the
/// same terminal column.
#[cfg(test)]
pub(super) fn assert_column(text: &str, lines: &[&str], cells: &[&str]) {
    let starts: Vec<usize> = lines
        .iter()
        .zip(cells)
        .map(|(line, cell)| {
            let at = line
                .find(cell)
                .unwrap_or_else(|| panic!("{cell:?} not in {line:?}"));
            line[..at].width()
        })
        .collect();
    assert!(
        starts.windows(2).all(|pair| pair[0] == pair[1]),
        "{cells:?} start at columns {starts:?}:\n{text}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_text_is_padded_by_terminal_columns_not_characters() {
        // Two syllables take four columns: two spaces make six.
        assert_eq!(padded("승인", 6), "승인  ");
        assert_eq!(padded("A1", 6), "A1    ");
        assert_eq!(padded("승인되었습니다", 6), "승인되었습니다");
        assert_eq!(right("승인", 6), "  승인");
        assert_eq!(right("12", 6), "    12");
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = [
            ["kind".to_owned(), "n".to_owned(), "fields".to_owned()],
            [
                "shadow_error/connect".to_owned(),
                "1,234".to_owned(),
                "".to_owned(),
            ],
            ["김지훈".to_owned(), "7".to_owned(), "body.grade".to_owned()],
        ];
        assert_eq!(widths(&rows), [20, 5, 10]);
        let lines = lines(&rows, [Align::Left, Align::Right, Align::Left]);
        assert_eq!(
            lines,
            [
                "kind                      n  fields",
                "shadow_error/connect  1,234",
                "김지훈                    7  body.grade",
            ]
        );
    }
}
