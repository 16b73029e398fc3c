//! `shadowgate layout import`: a layout file from COBOL copybooks (the importer lives in
//! `protocol_mci::copybook`; this is its command line).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use protocol_mci::charset::{Charset, InvalidText};
use protocol_mci::copybook::{self, CopybookFile, FramingOptions, ImportOptions, SourceFormat};
use protocol_mci::layout::config::{Endian, LengthCounts, PrefixKind};
use protocol_mci::Layout;

/// `shadowgate layout …`.
#[derive(Debug, Subcommand)]
pub enum LayoutCommand {
    /// Write a layout (TOML) from a COBOL copybook: its records become the message bodies.
    Import(ImportArgs),
}

/// Arguments of `layout import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The copybook of the message bodies (one record: request and response; two: request
    /// first).
    #[arg(long)]
    pub copybook: PathBuf,
    /// The copybook of the system header (its first record); without it, each frame starts with
    /// the message code.
    #[arg(long)]
    pub header: Option<PathBuf>,
    /// With --header: the header field holding the message code (COBOL or JSON name).
    #[arg(long)]
    pub discriminator: Option<String>,
    /// The message code (default: the request record's COBOL name).
    #[arg(long)]
    pub message: Option<String>,
    /// The 01 record of the request body (default: the first).
    #[arg(long)]
    pub request: Option<String>,
    /// The 01 record of the response body (default: the second, or the request's).
    #[arg(long)]
    pub response: Option<String>,
    /// The length prefix: none (fixed-size records), ascii digits or binary.
    #[arg(long, value_enum, default_value_t = Prefix::None)]
    pub prefix: Prefix,
    /// Digits of an ascii prefix, or bytes (2 or 4) of a binary one.
    #[arg(long)]
    pub prefix_length: Option<usize>,
    /// What the prefix counts (required with a prefix).
    #[arg(long, value_enum)]
    pub counts: Option<Counts>,
    /// Byte order of a binary prefix.
    #[arg(long, value_enum, default_value_t = ByteOrder::Big)]
    pub prefix_endian: ByteOrder,
    /// Bytes closing every frame, e.g. "@@".
    #[arg(long)]
    pub trailer: Option<String>,
    /// Largest frame in bytes (default: the largest frame the layout describes).
    #[arg(long)]
    pub max_frame: Option<usize>,
    /// OCCURS DEPENDING ON tables: only the actual elements (compact) or always the maximum.
    #[arg(long, value_enum, default_value_t = Odo::Compact)]
    pub odo: Odo,
    /// Byte order of COMP-5 items: big on IBM mainframes, little on x86 (Micro Focus).
    #[arg(long, value_enum, default_value_t = ByteOrder::Big)]
    pub native_endian: ByteOrder,
    /// Charset of text fields.
    #[arg(long, value_enum, default_value_t = CharsetArg::Cp949)]
    pub charset: CharsetArg,
    /// Source format: fixed columns (1-6 sequence, 7 indicator, 8-72 code) or free.
    #[arg(long, value_enum, default_value_t = Format::Fixed)]
    pub format: Format,
    /// The layout's name (default: the copybook's file name without extension).
    #[arg(long)]
    pub name: Option<String>,
    /// Write the layout here instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// `--prefix`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Prefix {
    /// Fixed-size records.
    None,
    /// ASCII digits.
    Ascii,
    /// Unsigned binary.
    Binary,
}

/// `--counts`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Counts {
    /// The whole frame.
    Frame,
    /// What follows the prefix.
    AfterPrefix,
}

/// `--prefix-endian`, `--native-endian`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByteOrder {
    /// Most significant byte first.
    Big,
    /// Least significant byte first.
    Little,
}

/// `--odo`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Odo {
    /// Only the actual elements on the wire.
    Compact,
    /// Always the maximum, unused elements padded.
    Padded,
}

/// `--charset`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CharsetArg {
    /// Korean CP949.
    Cp949,
    /// UTF-8.
    #[value(name = "utf-8")]
    Utf8,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Reference format with sequence and indicator areas.
    Fixed,
    /// Code from column 1.
    Free,
}

/// Runs `layout import`: writes the layout, and fails when it does not load as written (the
/// layout is still written, to be edited), saying why. What the copybook holds that the import
/// ignores (text past column 72), and what the layout loads with but may not decode as meant, is
/// warned of on stderr.
pub fn run_import(args: &ImportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let (body_text, body_charset) = read(&args.copybook)?;
    let header_text = args.header.as_deref().map(read).transpose()?;
    let body_origin = args.copybook.display().to_string();
    let header_origin = args.header.as_ref().map(|p| p.display().to_string());
    let header = match (&header_text, &header_origin) {
        (Some((text, charset)), Some(origin)) => Some(CopybookFile {
            origin,
            text,
            charset: *charset,
        }),
        _ => None,
    };
    let body = CopybookFile {
        origin: &body_origin,
        text: &body_text,
        charset: body_charset,
    };
    let options = options(args);
    for file in std::iter::once(body).chain(header) {
        for warning in copybook::warnings(file, options.format) {
            eprintln!("warning: {warning}");
        }
    }
    let layout = copybook::import(body, header, &options)?;
    let origin = format!("imported from {body_origin}");
    let loaded = Layout::from_toml(&layout, &origin, &options.name);
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, &layout).with_context(|| format!("writing {}", path.display()))?;
            path.display().to_string()
        }
        None => {
            out.write_all(layout.as_bytes())?;
            "stdout".to_owned()
        }
    };
    let loaded = loaded.map_err(|error| {
        anyhow::anyhow!(
            "the imported layout (written to {written}) does not load; edit it, or give the \
             options that describe the frames (--prefix, --header, --request, --response):\n{error}"
        )
    })?;
    // What loads but may not decode as meant (a REDEFINES longer than the item it redefines).
    write_warnings(&mut std::io::stderr().lock(), &loaded, &origin)?;
    Ok(())
}

/// Loads the layout file at `path` for a command that uses it (`frame`, `loadgen`), with its
/// warnings on stderr as `layout import` writes them: what loads but may not decode as meant is
/// said, not refused, as `check-config` and the start-up log say it.
pub(crate) fn load(path: &Path) -> anyhow::Result<Layout> {
    let layout = Layout::from_file(path)?;
    // A stderr that cannot be written to must not stop the command: the warnings do not.
    let _ = write_warnings(
        &mut std::io::stderr().lock(),
        &layout,
        &path.display().to_string(),
    );
    Ok(layout)
}

/// Writes the warnings of `layout`, read from `origin`, on `err`: one line each.
fn write_warnings(err: &mut dyn Write, layout: &Layout, origin: &str) -> std::io::Result<()> {
    for warning in layout.warnings() {
        writeln!(err, "warning: layout {origin}: {warning}")?;
    }
    Ok(())
}

/// A copybook's text and its encoding: UTF-8 when it is valid UTF-8, else CP949 (Korean banks'
/// copybooks carry Hangul comments and literals in it).
fn read(path: &Path) -> anyhow::Result<(String, Charset)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, Charset::Utf8)),
        Err(not_utf8) => Charset::Cp949
            .decode(not_utf8.as_bytes())
            .map(|text| (text, Charset::Cp949))
            .map_err(|InvalidText(at)| {
                anyhow::anyhow!(
                    "{}: expected UTF-8 or CP949 text, found an invalid byte at offset {at}",
                    path.display()
                )
            }),
    }
}

fn options(args: &ImportArgs) -> ImportOptions {
    let endian = |order: ByteOrder| match order {
        ByteOrder::Big => Endian::Big,
        ByteOrder::Little => Endian::Little,
    };
    let name = args.name.clone().unwrap_or_else(|| {
        args.copybook
            .file_stem()
            .map_or("copybook".into(), |s| s.to_string_lossy().into_owned())
    });
    ImportOptions {
        name,
        message: args.message.clone(),
        request: args.request.clone(),
        response: args.response.clone(),
        discriminator: args.discriminator.clone(),
        framing: FramingOptions {
            prefix: match args.prefix {
                Prefix::None => PrefixKind::None,
                Prefix::Ascii => PrefixKind::Ascii,
                Prefix::Binary => PrefixKind::Binary,
            },
            prefix_length: args.prefix_length,
            counts: args.counts.map(|c| match c {
                Counts::Frame => LengthCounts::Frame,
                Counts::AfterPrefix => LengthCounts::AfterPrefix,
            }),
            endian: endian(args.prefix_endian),
            trailer: args.trailer.clone(),
            max_frame: args.max_frame,
        },
        compact_odo: matches!(args.odo, Odo::Compact),
        native_endian: endian(args.native_endian),
        charset: match args.charset {
            CharsetArg::Cp949 => Charset::Cp949,
            CharsetArg::Utf8 => Charset::Utf8,
        },
        format: match args.format {
            Format::Fixed => SourceFormat::Fixed,
            Format::Free => SourceFormat::Free,
        },
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: LayoutCommand,
    }

    fn import(args: &[&str]) -> anyhow::Result<String> {
        let copybooks = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../protocol-mci/tests/copybooks"
        );
        let mut argv = vec!["layout".to_owned(), "import".to_owned()];
        argv.extend(args.iter().map(|a| a.replace("{dir}", copybooks)));
        let LayoutCommand::Import(args) = Cli::try_parse_from(argv)?.command;
        let mut out = Vec::new();
        run_import(&args, &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    #[test]
    fn options_become_the_framing_header_and_bodies_of_a_layout_that_loads() {
        let toml = import(&[
            "--copybook={dir}/screening.cpy",
            "--header={dir}/header.cpy",
            "--discriminator=HDR-TX-CODE",
            "--message=LNS0001",
            "--request=SCREEN-REQUEST",
            "--response=SCREEN-RESPONSE",
            "--format=free",
            "--prefix=ascii",
            "--prefix-length=8",
            "--counts=frame",
            "--trailer=@@",
            "--name=screening",
        ])
        .unwrap_or_else(|e| panic!("{e:#}"));
        let layout = Layout::from_toml(&toml, "test", "test").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(layout.name, "screening");
        assert_eq!(
            layout.header_len, 48,
            "8-digit prefix and the 40-byte header"
        );
        assert!(toml.contains("trailer = \"@@\""), "{toml}");
    }

    #[test]
    fn a_prefix_without_its_length_and_count_is_refused() {
        let error = import(&["--copybook={dir}/odo.cpy", "--prefix=ascii"]).unwrap_err();
        assert!(
            error.to_string().contains("--prefix-length and --counts"),
            "{error}"
        );
        let error = import(&["--copybook={dir}/missing.cpy"]).unwrap_err();
        assert!(format!("{error:#}").contains("missing.cpy"), "{error:#}");
    }

    #[test]
    fn a_cp949_copybook_is_read_as_cp949() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("korean.cpy");
        // "*> 고객\n01 CUST.\n 05 NAME PIC X(6) VALUE '홍길동'.\n" in CP949.
        let mut bytes = b"*> ".to_vec();
        bytes.extend([0xB0, 0xED, 0xB0, 0xB4]);
        bytes.extend(b"\n01 CUST.\n 05 NAME PIC X(6) VALUE '");
        bytes.extend([0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]);
        bytes.extend(b"'.\n");
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let path = path.display().to_string();
        let toml = import(&["--copybook", &path, "--format=free", "--message=KR01"])
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(
            toml.contains("{ name = \"name\", type = \"text\", length = 6 }"),
            "{toml}"
        );
        let bad = dir.path().join("bad.cpy");
        std::fs::write(&bad, [0x30, 0x31, 0xFF, 0xFF]).unwrap_or_else(|e| panic!("{e}"));
        let bad = bad.display().to_string();
        let error = import(&["--copybook", &bad]).unwrap_err();
        assert!(
            error.to_string().contains("expected UTF-8 or CP949 text"),
            "{error}"
        );
    }

    /// A layout the import writes but that does not load fails the import, naming where it was
    /// written (to be edited) and why it does not load.
    #[test]
    fn a_layout_that_does_not_load_fails_the_import_and_is_still_written() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let copybook = dir.path().join("signed.cpy");
        // A signed zoned count: a layout's count field is unsigned.
        let text =
            "01 R.\n 05 CNT PIC S9(2).\n 05 T OCCURS 1 TO 5 DEPENDING ON CNT.\n  10 X PIC X.\n";
        std::fs::write(&copybook, text).unwrap_or_else(|e| panic!("{e}"));
        let output = dir.path().join("signed.toml");
        let (copybook, output) = (copybook.display().to_string(), output.display().to_string());
        let error = import(&[
            "--copybook",
            &copybook,
            "--format=free",
            "--output",
            &output,
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with(&format!(
                "the imported layout (written to {output}) does not load; edit it, or give the \
                 options that describe the frames (--prefix, --header, --request, --response):\n"
            )) && error.contains("count field \"cnt\" must be an unsigned integer field"),
            "{error}"
        );
        assert!(std::fs::read_to_string(&output)
            .unwrap_or_default()
            .contains("{ name = \"cnt\", type = \"number\""));
    }
}
