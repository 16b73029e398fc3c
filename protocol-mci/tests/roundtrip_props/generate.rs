//! Generators of canonical values, exactly what decoding yields, and of whole messages.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Number, Value};

use super::layouts::*;
use protocol_mci::{Direction, Message};

// ---------------------------------------------------------------------------------------------
// Generators of canonical values: exactly what decoding yields.

pub(crate) type Gen = BoxedStrategy<Value>;

/// Hangul syllables: KS X 1001 ones and CP949 extension ones (trail bytes 0x41..0x7A).
pub(crate) const HANGUL: &[char] = &[
    '가', '나', '다', '홍', '길', '동', '국', '민', '은', '행', '한', '도', '힣', '똠', '갂', '뷁',
];
/// ASCII including every pad byte the layout uses, so pads also occur inside values.
pub(crate) const ASCII: &[char] = &[
    'A', 'Z', 'a', 'z', '0', '1', '9', ' ', '-', '_', '.', '*', '/', '@',
];

/// Text that fits `len` bytes and survives the pad stripping of its alignment.
pub(crate) fn text(len: usize, pad: char, right: bool, blank_null: bool, utf8: bool) -> Gen {
    let ch = prop_oneof![select(HANGUL), select(ASCII)];
    proptest::collection::vec(ch, 0..=len)
        .prop_map(move |chars| {
            let mut used = 0;
            let mut out = String::new();
            for c in chars {
                let width = match (c.is_ascii(), utf8) {
                    (true, _) => 1,
                    (false, true) => c.len_utf8(),
                    (false, false) => 2,
                };
                if used + width > len {
                    break;
                }
                used += width;
                out.push(c);
            }
            let out = if right {
                out.trim_start_matches(pad)
            } else {
                out.trim_end_matches(pad)
            };
            match (out.is_empty(), blank_null) {
                (true, true) => Value::Null,
                _ => Value::String(out.to_owned()),
            }
        })
        .boxed()
}

/// A left-aligned, space-padded CP949 text field.
pub(crate) fn plain(len: usize) -> Gen {
    text(len, ' ', false, false, false)
}

/// A JSON number from exact decimal text.
pub(crate) fn number(text: &str) -> Value {
    Value::Number(text.parse::<Number>().unwrap())
}

/// Decimal text with up to `int_digits` integer digits and exactly `scale` fraction digits; a
/// signed one may be a negative zero (`-0.00`), which signed zoned and packed fields keep.
pub(crate) fn decimal(int_digits: usize, scale: usize, signed: bool) -> Gen {
    let int = proptest::collection::vec(0..10u8, 0..=int_digits);
    let frac = proptest::collection::vec(0..10u8, scale);
    (int, frac, any::<bool>())
        .prop_map(move |(int, frac, negative)| {
            let digit = |d: &u8| char::from(b'0' + d);
            let int: String = int.iter().map(digit).collect();
            let int = int.trim_start_matches('0');
            let mut out = String::new();
            if signed && negative {
                out.push('-');
            }
            out.push_str(if int.is_empty() { "0" } else { int });
            if scale > 0 {
                out.push('.');
                out.extend(frac.iter().map(digit));
            }
            number(&out)
        })
        .boxed()
}

/// An integer with `scale` implied decimals, as the decimal text the codec writes.
pub(crate) fn scaled(value: i128, scale: usize) -> Value {
    let digits = format!("{:0>width$}", value.unsigned_abs(), width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    match scale {
        0 => number(&format!("{sign}{int}")),
        _ => number(&format!("{sign}{int}.{frac}")),
    }
}

/// A number declared as COBOL does: a stored integer of up to `digits` digits times
/// 10^-`scale` (a negative scale is `P` after the digits), as the text the codec decodes it
/// to; `minus_zero` also draws the `-0` a field that keeps negative zeros decodes.
pub(crate) fn pic(digits: u32, scale: i32, signed: bool, minus_zero: bool) -> Gen {
    let max = 10i128.pow(digits) - 1;
    (0..=max, any::<bool>())
        .prop_map(move |(magnitude, negative)| {
            let negative = signed && negative;
            let text = match scale {
                s if s >= 0 => scaled(magnitude, s as usize).to_string(),
                _ if magnitude == 0 => "0".to_owned(),
                s => format!("{magnitude}{}", "0".repeat(s.unsigned_abs() as usize)),
            };
            match (negative, magnitude == 0 && !minus_zero) {
                (true, false) => number(&format!("-{text}")),
                _ => number(&text),
            }
        })
        .boxed()
}

/// A binary integer of `len` bytes.
pub(crate) fn binary(len: usize, signed: bool, scale: usize) -> Gen {
    let bits = 8 * len as u32;
    let range = if signed {
        -(1i128 << (bits - 1))..=(1i128 << (bits - 1)) - 1
    } else {
        0..=(1i128 << bits) - 1
    };
    range.prop_map(move |v| scaled(v, scale)).boxed()
}

/// Which parts a date pattern has.
#[derive(Clone, Copy)]
pub(crate) enum DateShape {
    Date,
    Time,
    /// A time whose `null = "zeros"`: midnight is its null, so it is not generated.
    TimeNotMidnight,
    /// A time with `null = "never"`: always a value.
    TimeNeverNull,
    DateTime,
    DateTimeMillis,
    /// `MMddHHmmss`: `--MM-ddTHH:mm:ss`.
    MonthDayTime,
    /// `yyMMdd` with pivot 1950.
    ShortYearDate,
    /// `HHmm`.
    HourMinute,
    /// `yy/MM` with pivot 2000 and `null = "never"`.
    ShortYearMonthNeverNull,
}

/// A valid date/time as the ISO text the codec decodes to, or null (midnight included).
pub(crate) fn date(shape: DateShape) -> Gen {
    let parts = (
        0..=9999u32,
        1..=12u32,
        1..=31u32,
        0..24u32,
        0..60u32,
        0..60u32,
        0..1000u32,
    );
    let value = parts
        .prop_filter("midnight is the null of a null = zeros time", move |p| {
            !matches!(shape, DateShape::TimeNotMidnight) || (p.3, p.4, p.5) != (0, 0, 0)
        })
        .prop_map(move |(y, mo, d, h, mi, s, ms)| {
            let y = match shape {
                DateShape::ShortYearDate => 1950 + y % 100,
                DateShape::ShortYearMonthNeverNull => 2000 + y % 100,
                _ => y,
            };
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            let days = match mo {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let d = d.min(days);
            let date = format!("{y:04}-{mo:02}-{d:02}");
            let time = format!("{h:02}:{mi:02}:{s:02}");
            Value::String(match shape {
                DateShape::Date => date,
                DateShape::Time | DateShape::TimeNotMidnight | DateShape::TimeNeverNull => time,
                DateShape::DateTime => format!("{date}T{time}"),
                DateShape::DateTimeMillis => format!("{date}T{time}.{ms:03}"),
                DateShape::MonthDayTime => format!("-{}T{time}", &date[4..]),
                DateShape::ShortYearDate => date,
                DateShape::HourMinute => time[..5].to_owned(),
                DateShape::ShortYearMonthNeverNull => date[..7].to_owned(),
            })
        });
    match shape {
        DateShape::TimeNeverNull | DateShape::ShortYearMonthNeverNull => value.boxed(),
        _ => prop_oneof![1 => Just(Value::Null), 6 => value].boxed(),
    }
}

/// A JSON object from named generators. A name `count+group` takes a `[count, elements]` pair
/// from [`group`], so that the count field and its group come from one draw; a name starting
/// with `*` spreads an object's keys (a selector and the view it picks).
pub(crate) fn object(fields: Vec<(&'static str, Gen)>) -> BoxedStrategy<Map<String, Value>> {
    let (names, gens): (Vec<&str>, Vec<Gen>) = fields.into_iter().unzip();
    gens.prop_map(move |values| {
        let mut map = Map::new();
        for (name, value) in names.iter().zip(values) {
            match (name.split_once('+'), value) {
                (_, Value::Object(spread)) if name.starts_with('*') => map.extend(spread),
                (Some((count, group)), Value::Array(mut pair)) => {
                    let elements = pair.pop().unwrap();
                    map.insert(count.to_owned(), pair.pop().unwrap());
                    map.insert(group.to_owned(), elements);
                }
                (_, value) => {
                    map.insert((*name).to_owned(), value);
                }
            }
        }
        map
    })
    .boxed()
}

/// A repeat group of up to `max` elements with its count, named `count+group` for [`object`].
pub(crate) fn group(
    name: &'static str,
    element: BoxedStrategy<Map<String, Value>>,
    max: usize,
) -> (&'static str, Gen) {
    let gen = proptest::collection::vec(element, 0..=max)
        .prop_map(|elements| {
            let count = Value::Number(elements.len().into());
            let array = elements.into_iter().map(Value::Object).collect();
            Value::Array(vec![count, Value::Array(array)])
        })
        .boxed();
    (name, gen)
}

/// Generators of [`FIXED_FIELDS`], in the same order.
pub(crate) fn fixed_body() -> Vec<(&'static str, Gen)> {
    let due = object(vec![
        ("due", date(DateShape::Date)),
        ("amt", decimal(8, 0, true)),
    ]);
    let tags = object(vec![("tag", plain(3))]);
    let mut loan = vec![
        ("lender", plain(10)),
        ("balance", decimal(15, 0, true)),
        ("rate", decimal(3, 3, false)),
        (
            "sched",
            proptest::collection::vec(due, 2)
                .prop_map(|e| Value::Array(e.into_iter().map(Value::Object).collect()))
                .boxed(),
        ),
    ];
    loan.push(group("tag_cnt+tags", tags, 2));
    let mut fields = vec![
        ("name_l", text(12, ' ', false, false, false)),
        ("name_r", text(10, ' ', true, false, false)),
        ("code_r", text(8, '0', true, false, false)),
        ("note", text(6, '_', false, true, false)),
        ("utf8", text(9, ' ', false, false, true)),
        ("memo", text(7, ' ', false, false, false)),
        ("amount", decimal(15, 0, false)),
        ("rate", decimal(3, 3, false)),
        ("ratio", decimal(3, 4, false)),
        ("lead", decimal(7, 2, true)),
        ("trail", decimal(6, 2, true)),
        ("punch", decimal(5, 2, true)),
        ("punch_lead", decimal(7, 0, true)),
        ("punch_mf", decimal(5, 2, true)),
        ("pt_lead", decimal(4, 2, true)),
        ("pt_punch", decimal(3, 2, true)),
        ("pt_plead", decimal(4, 2, true)),
        ("frac_only", decimal(0, 3, false)),
        (
            "opt_num",
            prop_oneof![Just(Value::Null), decimal(5, 0, false)].boxed(),
        ),
        ("pk_s", decimal(9, 2, true)),
        ("pk_u", decimal(7, 0, false)),
        ("pk_1", decimal(0, 1, true)),
        ("pk_even", decimal(8, 2, true)),
        // Two's complement has no negative zero.
        ("b2_pic4", pic(4, 0, true, false)),
        ("b1", binary(1, false, 0)),
        ("b1s", binary(1, true, 0)),
        ("b2", binary(2, false, 0)),
        ("b2s", binary(2, true, 1)),
        ("b4", binary(4, false, 2)),
        ("b4s", binary(4, true, 0)),
        ("b8", binary(8, false, 0)),
        ("b8s", binary(8, true, 4)),
        ("p_after", pic(3, -2, true, true)),
        ("p_before", pic(3, 6, true, true)),
        ("pk_p", pic(5, -3, true, true)),
        ("pk_pv", pic(2, 4, false, false)),
        ("b2_p", pic(4, -2, true, false)),
        ("pk_lenient", pic(5, 1, true, true)),
        ("nz_pos", pic(3, 1, true, false)),
        ("pk_nz_pos", pic(3, 0, true, false)),
        ("d", date(DateShape::Date)),
        ("t", date(DateShape::Time)),
        ("t_z", date(DateShape::TimeNotMidnight)),
        ("t_never", date(DateShape::TimeNeverNull)),
        ("dt", date(DateShape::DateTimeMillis)),
        ("d_sep", date(DateShape::DateTime)),
        ("md_time", date(DateShape::MonthDayTime)),
        ("yymmdd", date(DateShape::ShortYearDate)),
        ("hhmm", date(DateShape::HourMinute)),
        ("yy_mm", date(DateShape::ShortYearMonthNeverNull)),
    ];
    fields.push(group("loan_cnt+loans", object(loan), 3));
    fields
}

/// Generators of [`STRUCT_FIELDS`]: the selector with the view it picks, the base view of the
/// area without a selector, groups with typed and pad fills.
pub(crate) fn struct_body() -> Vec<(&'static str, Gen)> {
    let flags = proptest::collection::vec(object(vec![("f", plain(1))]), 2)
        .prop_map(|e| Value::Array(e.into_iter().map(Value::Object).collect()))
        .boxed();
    let card = object(vec![("card_no", plain(16)), ("exp", date(DateShape::Date))]);
    let loan = object(vec![
        ("amount", decimal(8, 2, true)),
        ("months", decimal(3, 0, false)),
        ("rate", decimal(3, 3, true)),
        ("flags", flags),
    ]);
    let none = object(vec![("note", text(5, '_', false, false, false))]);
    let detail = prop_oneof![
        card.prop_map(|c| view("kind", "C", "card", c)),
        (select(&["L", "M"][..]), loan).prop_map(|(k, l)| view("kind", k, "loan", l)),
        none.prop_map(|n| view("kind", "", "none", n)),
    ]
    .boxed();
    let raw = object(vec![("text", plain(12))]);
    let base = raw.prop_map(|r| view("", "", "raw", r)).boxed();
    let alt = prop_oneof![
        object(vec![("xv", decimal(4, 0, false))]).prop_map(|x| view("k", "X", "x", x)),
        object(vec![("yv", plain(2))]).prop_map(|y| view("k", "Y", "y", y)),
    ]
    .boxed();
    let mut slot = vec![
        ("code", plain(3)),
        ("amt", decimal(5, 2, true)),
        ("fee", decimal(4, 0, true)),
        ("pk", decimal(5, 0, true)),
        ("bin", binary(2, true, 0)),
        ("due", date(DateShape::Date)),
        ("at", date(DateShape::Time)),
        ("*alt", alt),
    ];
    slot.push(group("sub_cnt+subs", object(vec![("s", plain(2))]), 2));
    let tags = object(vec![("tag", plain(3))]);
    vec![
        ("*detail", detail),
        ("*base", base),
        group("slot_cnt+slots", object(slot), 3),
        group("tag_cnt+tags", tags, 2),
    ]
}

/// `{selector: value, name: fields}`, or `{name: fields}` without a selector.
pub(crate) fn view(selector: &str, value: &str, name: &str, fields: Map<String, Value>) -> Value {
    let mut map = Map::new();
    if !selector.is_empty() {
        map.insert(selector.to_owned(), Value::from(value));
    }
    map.insert(name.to_owned(), Value::Object(fields));
    Value::Object(map)
}

/// Generators of the compact tail of `ALLTYPE1`.
pub(crate) fn compact_tail() -> Vec<(&'static str, Gen)> {
    let opts = object(vec![("opt", plain(4))]);
    let mut item = vec![("sku", plain(6)), ("qty", decimal(3, 0, false))];
    item.push(group("opt_cnt+opts", opts, 2));
    let mut fields = vec![group("item_cnt+items", object(item), 4)];
    fields.push(("tail", text(4, ' ', true, false, false)));
    fields
}

/// A whole message of a variant and direction: header, body selected by code and result.
pub(crate) fn message(variant: usize, direction: Direction) -> BoxedStrategy<Message> {
    let fixed = VARIANTS[variant].fixed;
    let codes: &[&str] = if fixed {
        &["FIXTYPE1", "FIXTYPE1", "FIXCOMP1", "FIXSTRC1"]
    } else {
        &["ALLTYPE1", "ALLTYPE1", "ALLTYPE1", "SMALL001", "STRUCT01"]
    };
    let results: &[&str] = match direction {
        Direction::Request => &["", "0000"],
        Direction::Response => &["0000", "0000", "E101"],
    };
    (select(codes), select(results))
        .prop_flat_map(move |(code, result)| {
            let flag = match direction {
                Direction::Request => "S",
                Direction::Response => "R",
            };
            let header = object(vec![
                ("sys", plain(4)),
                ("tx_code", Just(Value::from(code)).boxed()),
                ("rr_flag", Just(Value::from(flag)).boxed()),
                ("resp_code", Just(Value::from(result)).boxed()),
                ("sent_at", date(DateShape::DateTimeMillis)),
            ]);
            let error = direction == Direction::Response && result != "0000";
            let body = match (code, error) {
                ("ALLTYPE1", true) => vec![
                    ("error_message", plain(40)),
                    ("error_at", date(DateShape::Date)),
                ],
                ("ALLTYPE1", false) => {
                    let mut fields = fixed_body();
                    fields.extend(compact_tail());
                    fields
                }
                ("FIXCOMP1", _) => compact_tail(),
                ("STRUCT01", _) => struct_body(),
                ("FIXSTRC1", _) => {
                    let mut fields = struct_body();
                    fields.extend(compact_tail());
                    fields
                }
                ("SMALL001", _) => match direction {
                    Direction::Request => vec![("ref", plain(10))],
                    Direction::Response => vec![("ok", plain(1))],
                },
                _ => fixed_body(),
            };
            (header, object(body)).prop_map(|(header, body)| Message { header, body })
        })
        .boxed()
}

/// A variant, a direction and a message of them.
pub(crate) fn any_message() -> impl Strategy<Value = (usize, Direction, Message)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        (Just(variant), Just(direction), message(variant, direction))
    })
}

/// A variant, a direction, two messages of them and another clock for the first one's header.
#[allow(clippy::type_complexity)]
pub(crate) fn any_pair() -> impl Strategy<Value = (usize, Direction, Message, Message, Value)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        (
            Just(variant),
            Just(direction),
            message(variant, direction),
            message(variant, direction),
            date(DateShape::DateTimeMillis),
        )
    })
}

/// Several messages of one variant and direction: a stream.
pub(crate) fn any_stream() -> impl Strategy<Value = (usize, Direction, Vec<Message>)> {
    let directions = select(&[Direction::Request, Direction::Response][..]);
    (0..FRAMINGS.len(), directions).prop_flat_map(|(variant, direction)| {
        let messages = proptest::collection::vec(message(variant, direction), 1..5);
        (Just(variant), Just(direction), messages)
    })
}

/// The same number written loosely, as engines do: fewer fraction digits (a JSON number), or a
/// string with leading zeros or `+` (not valid JSON number syntax), or a plain string. Each
/// number's form is picked by the next bits of `seed`.
pub(crate) fn loosen(value: &mut Value, seed: &mut u64) {
    match value {
        Value::Number(n) => {
            let text = n.as_str().to_owned();
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *value = match (*seed >> 33) % 5 {
                0 if text.contains('.') => number(text.trim_end_matches('0').trim_end_matches('.')),
                1 if !text.starts_with('-') => Value::String(format!("+00{text}")),
                2 => Value::String(match text.strip_prefix('-') {
                    Some(rest) => format!("-0{rest}"),
                    None => format!("0{text}"),
                }),
                3 => Value::String(text),
                _ => return,
            };
        }
        Value::Array(items) => items.iter_mut().for_each(|v| loosen(v, seed)),
        Value::Object(map) => map.values_mut().for_each(|v| loosen(v, seed)),
        _ => {}
    }
}
