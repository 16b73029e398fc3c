//! One import: copybooks → records → layout fields → a whole layout file.

use std::fmt::Write;

use super::emit::{self, quote};
use super::error::{CopybookError, ImportError};
use super::lexer;
use super::lower::Lowering;
use super::model::{total, Body, Leaf, Node};
use super::names::snake_case;
use super::options::{CopybookFile, ImportOptions};
use super::parse::Parser;
use super::source::{self, Source, SourceFormat};
use super::tree::{self, Item};
use crate::layout::config::{Endian, LengthCounts, PrefixKind};

/// Writes a layout (TOML) whose message bodies are records of `body` and whose header is the
/// record of `header` (without one, each frame starts with the message code).
pub fn import(
    body: CopybookFile<'_>,
    header: Option<CopybookFile<'_>>,
    options: &ImportOptions,
) -> Result<String, ImportError> {
    let records = read(body, options.format)?;
    let (request, response) = bodies(&records, options, body.origin)?;
    let code = message_code(options, request, body.origin)?;
    let (header_fields, discriminator) = match header {
        Some(file) => {
            let records = read(file, options.format)?;
            let fields = lower(pick(&records, None, 0, file.origin)?, file.origin, options)?;
            let discriminator = find_discriminator(&fields, options, file.origin)?;
            (fields, discriminator)
        }
        None => (vec![code_field(&code)], "tx_code".to_owned()),
    };
    let document = Document {
        origin: body.origin,
        code: &code,
        header: header_fields,
        discriminator,
        request: (request, lower(request, body.origin, options)?),
        response: (response, lower(response, body.origin, options)?),
    };
    document.write(options)
}

/// Everything the layout file says.
struct Document<'a> {
    origin: &'a str,
    code: &'a str,
    header: Vec<Node>,
    discriminator: String,
    request: (&'a Item, Vec<Node>),
    response: (&'a Item, Vec<Node>),
}

impl Document<'_> {
    fn write(&self, options: &ImportOptions) -> Result<String, ImportError> {
        let sizes = Sizes {
            header: total(&self.header).max,
            body: total(&self.request.1).max.max(total(&self.response.1).max),
        };
        self.fit_one_size(options)?;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Imported from the COBOL copybook {} by `shadowgate layout import`.\n\
             # Each field's comment is the copybook line it comes from. Groups that do not repeat\n\
             # are flattened; a name carries its groups' names only where two would collide.",
            self.origin
        );
        let _ = writeln!(out, "name = {}", quote(&options.name));
        let _ = writeln!(out, "charset = {}\n", quote(options.charset.name()));
        framing(&mut out, options, sizes)?;
        let _ = writeln!(
            out,
            "\n[header]\ndiscriminator = {}",
            quote(&self.discriminator)
        );
        let _ = writeln!(out, "fields = [");
        emit::fields(&mut out, &self.header, 2);
        let _ = writeln!(out, "]\n\n[messages.{}]", quote(self.code));
        let describe = |item: &Item| format!("{} (line {})", item.display_name(), item.entry.line);
        let description = format!(
            "request {}, response {} of {}",
            describe(self.request.0),
            describe(self.response.0),
            self.origin
        );
        let _ = writeln!(out, "description = {}", quote(&description));
        for (key, (_, fields)) in [("request", &self.request), ("response", &self.response)] {
            let _ = writeln!(out, "{key} = [");
            emit::fields(&mut out, fields, 2);
            let _ = writeln!(out, "]");
        }
        Ok(out)
    }

    /// Without a length prefix every frame has the one `size`: refused when the request and
    /// response records are of fixed sizes that differ (the layout would not load), naming the
    /// options that give the frames' real framing.
    fn fit_one_size(&self, options: &ImportOptions) -> Result<(), ImportError> {
        let (request, response) = (total(&self.request.1), total(&self.response.1));
        let fixed = request.fixed && response.fixed;
        if options.framing.prefix != PrefixKind::None || !fixed || request.max == response.max {
            return Ok(());
        }
        let describe = |(item, size): (&Item, usize)| {
            format!(
                "{} (line {}) of {size} bytes",
                item.display_name(),
                item.entry.line
            )
        };
        Err(ImportError::Options(format!(
            "--prefix none: expected a request and a response record of one size (frames without \
             a length prefix all have one size), found the request {} and the response {}: give \
             the frames' length prefix (--prefix ascii or binary with --prefix-length and \
             --counts)",
            describe((self.request.0, request.max)),
            describe((self.response.0, response.max)),
        )))
    }
}

/// What an import of `file` in `format` reads past without refusing it but a reader should
/// know: text in columns 73+ of the fixed format (the identification area, ignored), said once
/// with its first line and how many more lines have some.
pub fn warnings(file: CopybookFile<'_>, format: SourceFormat) -> Vec<String> {
    if format != SourceFormat::Fixed {
        return Vec::new();
    }
    let ignored = source::past_column_72(file.text, file.charset);
    let Some((line, text)) = ignored.first() else {
        return Vec::new();
    };
    let more = match ignored.len() - 1 {
        0 => String::new(),
        1 => " (and on 1 more line)".to_owned(),
        n => format!(" (and on {n} more lines)"),
    };
    vec![format!(
        "{}: line {line}: columns 73 and on hold `{text}`{more}, ignored in the fixed format (the \
         identification area): if code runs past column 72, use --format free",
        file.origin
    )]
}

/// The request and response records.
fn bodies<'a>(
    records: &'a [Item],
    options: &ImportOptions,
    origin: &str,
) -> Result<(&'a Item, &'a Item), ImportError> {
    if records.len() > 2 && (options.request.is_none() || options.response.is_none()) {
        return Err(ImportError::Options(format!(
            "{origin} has {} records ({}): say which are the bodies with --request and --response",
            records.len(),
            record_names(records)
        )));
    }
    let request = pick(records, options.request.as_deref(), 0, origin)?;
    let default_response = usize::from(records.len() > 1);
    let response = pick(
        records,
        options.response.as_deref(),
        default_response,
        origin,
    )?;
    Ok((request, response))
}

fn message_code(
    options: &ImportOptions,
    request: &Item,
    origin: &str,
) -> Result<String, ImportError> {
    match (&options.message, &request.entry.name) {
        (Some(code), _) => Ok(code.clone()),
        (None, Some(name)) => Ok(name.clone()),
        (None, None) => Err(ImportError::Options(format!(
            "{origin} has no 01 record name to use as the message code: give --message"
        ))),
    }
}

fn lower(record: &Item, origin: &str, options: &ImportOptions) -> Result<Vec<Node>, ImportError> {
    Lowering::new(options.compact_odo, options.native_endian == Endian::Little)
        .record(record)
        .map_err(|error| located(origin, error))
}

/// Largest header and body, in bytes.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    header: usize,
    body: usize,
}

fn read(file: CopybookFile<'_>, format: SourceFormat) -> Result<Vec<Item>, ImportError> {
    let source = Source::new(file.text, format, file.charset);
    let records = lexer::tokens(&source)
        .and_then(|tokens| Parser::new(&source, &tokens).entries())
        .and_then(tree::records)
        .map_err(|error| {
            // Read in columns, code written from column 1 loses its first six characters and
            // fails somewhere unrelated (`found `IC``): the likely cause is said with it.
            let free = format == SourceFormat::Fixed && source::looks_free(file.text);
            ImportError::Copybook {
                origin: file.origin.to_owned(),
                error,
                hint: free.then_some(
                    "the copybook looks free-format, its code starting before column 8: try \
                     --format free",
                ),
            }
        })?;
    if records.is_empty() {
        return Err(ImportError::Options(format!(
            "{}: expected data description entries (01 RECORD. 05 FIELD PIC X(8). …), found none",
            file.origin
        )));
    }
    Ok(records)
}

fn located(origin: &str, error: CopybookError) -> ImportError {
    ImportError::Copybook {
        origin: origin.to_owned(),
        error,
        hint: None,
    }
}

fn pick<'a>(
    records: &'a [Item],
    name: Option<&str>,
    default: usize,
    origin: &str,
) -> Result<&'a Item, ImportError> {
    let found = match name {
        Some(name) => {
            let wanted = name.to_ascii_uppercase().replace('_', "-");
            records
                .iter()
                .find(|r| r.entry.name.as_deref() == Some(wanted.as_str()))
        }
        None => records.get(default),
    };
    found.ok_or_else(|| {
        ImportError::Options(format!(
            "expected a record named {} in {origin}, found {}",
            name.unwrap_or("?"),
            record_names(records)
        ))
    })
}

fn record_names(records: &[Item]) -> String {
    records
        .iter()
        .map(|r| r.display_name().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header field named by `--discriminator`: a text field of the header's top level.
fn find_discriminator(
    fields: &[Node],
    options: &ImportOptions,
    origin: &str,
) -> Result<String, ImportError> {
    let Some(wanted) = &options.discriminator else {
        return Err(ImportError::Options(
            "a header copybook needs --discriminator: the header field holding the message code"
                .into(),
        ));
    };
    let json = snake_case(wanted);
    let field = fields.iter().find(|f| f.name == json || f.name == *wanted);
    match field {
        Some(f) if matches!(f.body, Body::Leaf(Leaf::Text { .. })) => Ok(f.name.clone()),
        Some(f) => Err(ImportError::Options(format!(
            "--discriminator {wanted}: expected a text (PIC X) field of {origin}, found {}",
            f.note
        ))),
        None => Err(ImportError::Options(format!(
            "--discriminator {wanted}: expected a field of {origin}'s record, found none by that name"
        ))),
    }
}

/// Without a header copybook, each frame starts with the message code.
fn code_field(code: &str) -> Node {
    Node {
        name: "tx_code".into(),
        cobol: None,
        qual: Vec::new(),
        line: 0,
        note: "no header copybook: each frame starts with the message code".into(),
        body: Body::Leaf(Leaf::Text {
            len: code.len(),
            right: false,
        }),
    }
}

fn framing(out: &mut String, options: &ImportOptions, sizes: Sizes) -> Result<(), ImportError> {
    let framing = &options.framing;
    let content = sizes.header + sizes.body;
    let _ = writeln!(out, "[framing]");
    let prefix_len = match framing.prefix {
        PrefixKind::None => {
            let _ = writeln!(out, "prefix = \"none\"\nsize = {content}");
            0
        }
        kind => {
            let (Some(length), Some(counts)) = (framing.prefix_length, framing.counts) else {
                return Err(ImportError::Options(
                    "a length prefix needs --prefix-length and --counts (frame or after-prefix)"
                        .into(),
                ));
            };
            let binary = kind == PrefixKind::Binary;
            let _ = writeln!(
                out,
                "prefix = {}\nprefix_length = {length}\ncounts = {}",
                if binary { "\"binary\"" } else { "\"ascii\"" },
                match counts {
                    LengthCounts::Frame => "\"frame\"",
                    LengthCounts::AfterPrefix => "\"after_prefix\"",
                }
            );
            if binary && framing.endian == Endian::Little {
                let _ = writeln!(out, "endian = \"little\"");
            }
            length
        }
    };
    let trailer_len = framing.trailer.as_ref().map_or(0, String::len);
    if let Some(trailer) = &framing.trailer {
        let _ = writeln!(out, "trailer = {}", quote(trailer));
    }
    let largest = prefix_len + content + trailer_len;
    let _ = writeln!(out, "max_frame = {}", framing.max_frame.unwrap_or(largest));
    Ok(())
}
