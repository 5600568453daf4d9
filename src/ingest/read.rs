//! Reading input bytes into raw records: CSV with a header row, NDJSON (one
//! object per line) and JSON arrays of objects.
//!
//! A raw record is the row as the user wrote it — its line number, its text,
//! and its fields as optional strings — before any validation. Problems that
//! make the whole input unreadable (not UTF-8, a missing required column, a
//! JSON document that is not an array) are a [`ReadError`]; problems confined
//! to one row become a record with a `broken` reason, so the row is rejected
//! with its line number and the rest of the file still counts.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

use crate::model::Kind;

/// Longest field Yardstick accepts, in bytes; longer values are rejected with the row.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The longest row, all its fields together.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Ndjson,
    Json,
}

impl Format {
    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
            Some(Format::Ndjson)
        } else if lower.ends_with(".json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// Maps an HTTP `Content-Type` to a format, ignoring parameters such as `charset`.
    pub fn from_content_type(ct: &str) -> Option<Format> {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines" => Some(Format::Ndjson),
            "application/json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Json => "json",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format `{other}`: expected csv, ndjson or json"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The most columns (CSV) or fields (JSON object) one record may have.
pub const MAX_COLUMNS: usize = 1000;

/// The input as a whole could not be read; nothing from it is stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// One row as the user wrote it.
#[derive(Debug, Clone)]
pub struct RawRecord<'a> {
    /// 1-based line where the row starts; in CSV the header is line 1.
    pub line: u64,
    /// The row's text, kept with a reject. A CSV record borrows it, and its
    /// values, from the reader's buffer: nothing of an accepted row is copied
    /// before it is validated.
    pub raw: Cow<'a, str>,
    /// Field name and value; empty values are `None`.
    pub fields: Vec<(Arc<str>, Option<Cow<'a, str>>)>,
    /// Set when the row itself cannot be read (bad JSON, wrong field count).
    pub broken: Option<String>,
}

impl RawRecord<'_> {
    /// The record with everything it borrows copied, to be kept (the
    /// reader's tests collect records).
    #[cfg(test)]
    pub fn into_owned(self) -> RawRecord<'static> {
        RawRecord {
            line: self.line,
            raw: Cow::Owned(self.raw.into_owned()),
            fields: self
                .fields
                .into_iter()
                .map(|(k, v)| (k, v.map(|v| Cow::Owned(v.into_owned()))))
                .collect(),
            broken: self.broken,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| &**k == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Reads `bytes` of the given format as records of `kind`, handing each record
/// to `each` as soon as it is read. Returns notes about the input as a whole,
/// e.g. ignored columns.
pub fn read(
    kind: Kind,
    format: Format,
    bytes: &[u8],
    each: impl FnMut(RawRecord<'_>),
) -> Result<Vec<String>, ReadError> {
    read_from(kind, format, bytes, each)
}

/// The largest JSON array read: an array is read whole, so a bigger input
/// should be NDJSON, which is read one line at a time.
pub const MAX_JSON_ARRAY_BYTES: u64 = 256 * 1024 * 1024;

/// Reads records of `kind` from a stream, handing each to `each` as soon as it
/// is read: CSV and NDJSON hold one record (and a read buffer) in memory at a
/// time, whatever the size of the input. A JSON array is read whole, up to
/// [`MAX_JSON_ARRAY_BYTES`]. An error may come after some records were handed
/// over; the caller then keeps none of them.
pub fn read_from(
    kind: Kind,
    format: Format,
    input: impl Read,
    mut each: impl FnMut(RawRecord<'_>),
) -> Result<Vec<String>, ReadError> {
    let mut input = BufReader::with_capacity(1 << 20, input);
    skip_bom(&mut input)?;
    match format {
        Format::Csv => read_csv(kind, input, &mut each),
        Format::Ndjson | Format::Json => {
            // JSON records name their own fields: collect the unknown ones as they pass.
            let mut unknown = BTreeSet::new();
            let mut note = |r: RawRecord<'_>| {
                for (k, _) in &r.fields {
                    if !kind.fields().contains(&&**k) && !unknown.contains(k) {
                        unknown.insert(k.clone());
                    }
                }
                each(r);
            };
            if format == Format::Ndjson {
                read_ndjson(input, &mut note)?;
            } else {
                let mut bytes = Vec::new();
                input
                    .take(MAX_JSON_ARRAY_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(io_error)?;
                if bytes.len() as u64 > MAX_JSON_ARRAY_BYTES {
                    return Err(ReadError(format!(
                        "a JSON input is read whole and this one is over {} MiB: send it as \
                         NDJSON (one object per line), which is read a line at a time",
                        MAX_JSON_ARRAY_BYTES >> 20
                    )));
                }
                let text = utf8(&bytes, 1, 0)?;
                read_json_array(text, &mut note)?;
            }
            Ok(unknown
                .iter()
                .map(|n| unknown_field_warning(kind, n))
                .collect())
        }
    }
}

fn io_error(e: std::io::Error) -> ReadError {
    ReadError(format!("cannot read the input: {e}"))
}

/// Skips a UTF-8 byte order mark at the start of the input; refuses a
/// gzip-compressed one with what to do (it would read as "not UTF-8").
fn skip_bom(input: &mut impl BufRead) -> Result<(), ReadError> {
    let head = input.fill_buf().map_err(io_error)?;
    not_gzip(head)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(())
}

/// Refuses input that starts as gzip data does (`1f 8b`), saying how it is
/// read: a file named `.gz`, or a body sent with `Content-Encoding: gzip`.
pub(crate) fn not_gzip(head: &[u8]) -> Result<(), ReadError> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Err(ReadError(
            "the input is gzip-compressed: name the file .gz (the CLI then reads it \
             decompressed), send it with Content-Encoding: gzip, or decompress it first \
             (gunzip -c)"
                .into(),
        ));
    }
    Ok(())
}

/// `bytes` as text, or the error naming the line (counted from `first_line`)
/// and the byte (counted from `offset`) where it stops being UTF-8.
fn utf8(bytes: &[u8], first_line: u64, offset: u64) -> Result<&str, ReadError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = first_line + count_nl(&bytes[..at]) as u64;
        ReadError(format!(
            "input is not valid UTF-8 (line {line}, byte {}); save it as UTF-8 and send it again",
            offset + at as u64
        ))
    })
}

/// A reader that keeps a copy of what the CSV parser has read, from the start
/// of the record being parsed, so each record's raw text can be kept with a
/// reject without holding the whole input.
struct Tee<R> {
    inner: R,
    kept: Vec<u8>,
    /// Offset in the input of `kept[0]`.
    base: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.kept.extend_from_slice(&out[..n]);
        Ok(n)
    }
}

impl<R> Tee<R> {
    /// The kept bytes from input offset `from` to `to`.
    fn slice(&self, from: u64, to: u64) -> &[u8] {
        let a = (from.saturating_sub(self.base) as usize).min(self.kept.len());
        let b = (to.saturating_sub(self.base) as usize).clamp(a, self.kept.len());
        &self.kept[a..b]
    }

    /// Forgets the bytes before input offset `upto`, in large steps so that
    /// the copy of the rest stays cheap.
    fn release(&mut self, upto: u64) {
        let n = upto.saturating_sub(self.base) as usize;
        if n >= (1 << 20) {
            let n = n.min(self.kept.len());
            self.kept.drain(..n);
            self.base += n as u64;
        }
    }
}

fn read_csv<R: Read>(
    kind: Kind,
    input: R,
    each: &mut impl FnMut(RawRecord<'_>),
) -> Result<Vec<String>, ReadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Tee {
            inner: input,
            kept: Vec::new(),
            base: 0,
        });
    let header = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(ReadError(format!("cannot read the CSV header: {e}"))),
    };
    let header_end = rdr.position().byte();
    let header_text = utf8(rdr.get_ref().slice(0, header_end), 1, 0)?;
    if header.iter().all(|h| h.trim_ascii().is_empty()) {
        return Err(ReadError(
            "the CSV input is empty: expected a header row".into(),
        ));
    }
    if header.len() > MAX_COLUMNS {
        return Err(ReadError(format!(
            "the CSV header has {} columns; at most {MAX_COLUMNS} are read",
            header.len()
        )));
    }
    let header = csv::StringRecord::from_byte_record(header).map_err(|_| {
        ReadError(format!(
            "the CSV header is not valid UTF-8: {}",
            header_text.trim_end()
        ))
    })?;
    let names: Vec<Arc<str>> = header.iter().map(|h| Arc::from(h.trim())).collect();
    let mut seen = BTreeSet::new();
    for n in &names {
        if !seen.insert(n.clone()) {
            return Err(ReadError(format!(
                "column `{n}` appears twice in the header"
            )));
        }
    }
    check_columns(kind, &names, "the header")?;
    let mut warnings = Vec::new();
    for n in &names {
        if !kind.fields().contains(&&**n) {
            warnings.push(unknown_field_warning(kind, n));
        }
    }

    let mut rec = csv::ByteRecord::new();
    // The csv crate does not count the blank lines it skips, so lines are
    // counted here from byte offsets, incrementally.
    let (mut counted_to, mut line_at) = (0u64, 1u64);
    loop {
        let more = rdr.read_byte_record(&mut rec);
        let end = rdr.position().byte();
        let tee = rdr.get_ref();
        match more {
            Ok(false) => break,
            Ok(true) => {
                let mut start = rec.position().map_or(counted_to, |p| p.byte()).min(end);
                // The record's position is where the reader resumed, before skipped blank lines.
                while start < end && matches!(tee.slice(start, start + 1), [b'\r' | b'\n']) {
                    start += 1;
                }
                line_at += count_nl(tee.slice(counted_to.min(start), start)) as u64;
                counted_to = start;
                let line = line_at;
                let raw = utf8(tee.slice(start, end), line, start)?;
                if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                    continue; // A line of white space is not a row.
                }
                let broken = (rec.len() != names.len()).then(|| {
                    format!(
                        "row has {} fields but the header has {}",
                        rec.len(),
                        names.len()
                    )
                });
                // The record is valid UTF-8 as a whole, so each field is too.
                let fields = names
                    .iter()
                    .zip(rec.iter())
                    .map(|(n, v)| {
                        (
                            n.clone(),
                            non_empty_ref(std::str::from_utf8(v).unwrap_or("")),
                        )
                    })
                    .collect();
                each(RawRecord {
                    line,
                    raw: Cow::Borrowed(raw.trim_end_matches(['\r', '\n'])),
                    fields,
                    broken,
                });
                rdr.get_mut().release(start);
            }
            Err(e) => {
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(ReadError(format!("cannot read the input: {io}")));
                }
                let at = e.position().map_or(counted_to, |p| p.byte());
                let line = line_at + count_nl(tee.slice(counted_to.min(at), at)) as u64;
                return Err(ReadError(format!("malformed CSV at line {line}: {e}")));
            }
        }
    }
    Ok(warnings)
}

fn read_ndjson(
    mut input: impl BufRead,
    each: &mut impl FnMut(RawRecord<'_>),
) -> Result<(), ReadError> {
    let (mut line_no, mut offset) = (0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut input)
            .take(MAX_ROW_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io_error)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if n > MAX_ROW_BYTES && buf.last() != Some(&b'\n') {
            // Too long to be a row: skip to the end of the line and reject it
            // with its start, without holding the rest.
            let mut skipped = 0u64;
            loop {
                let chunk = input.fill_buf().map_err(io_error)?;
                if chunk.is_empty() {
                    break;
                }
                let (used, done) = match chunk.iter().position(|b| *b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (chunk.len(), false),
                };
                input.consume(used);
                skipped += used as u64;
                if done {
                    break;
                }
            }
            offset += n as u64 + skipped;
            let head = String::from_utf8_lossy(&buf[..1024]).into_owned();
            each(RawRecord {
                line: line_no,
                raw: head.into(),
                fields: Vec::new(),
                broken: Some(format!(
                    "the row is longer than {MAX_ROW_BYTES} bytes ({} bytes)",
                    n as u64 + skipped
                )),
            });
            continue;
        }
        let text = utf8(&buf, line_no, offset)?;
        offset += n as u64;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        each(record_from_json_text(line_no, trimmed));
    }
}

fn record_from_json_text(line: u64, text: &str) -> RawRecord<'static> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => record_from_value(line, text.to_string(), v),
        Err(e) => RawRecord {
            line,
            raw: text.to_string().into(),
            fields: Vec::new(),
            broken: Some(format!("not valid JSON: {e}")),
        },
    }
}

fn record_from_value(line: u64, raw: String, v: serde_json::Value) -> RawRecord<'static> {
    match v {
        serde_json::Value::Object(map) if map.len() > MAX_COLUMNS => RawRecord {
            line,
            raw: raw.chars().take(1024).collect::<String>().into(),
            fields: Vec::new(),
            broken: Some(format!(
                "the object has {} fields; at most {MAX_COLUMNS} are read",
                map.len()
            )),
        },
        serde_json::Value::Object(map) => {
            let fields = map
                .into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => non_empty(&s),
                        serde_json::Value::Bool(b) => Some(b.to_string().into()),
                        serde_json::Value::Number(n) => Some(n.to_string().into()),
                        other => Some(other.to_string().into()),
                    };
                    (Arc::from(k.as_str()), s)
                })
                .collect();
            RawRecord {
                line,
                raw: raw.into(),
                fields,
                broken: None,
            }
        }
        other => RawRecord {
            line,
            raw: raw.into(),
            fields: Vec::new(),
            broken: Some(format!(
                "expected a JSON object, found {}",
                json_type(&other)
            )),
        },
    }
}

fn read_json_array(text: &str, each: &mut impl FnMut(RawRecord<'_>)) -> Result<(), ReadError> {
    let bytes = text.as_bytes();
    let pos = skip_ws(bytes, 0);
    // A single object is one record: a webhook posting one run.
    if bytes.get(pos) == Some(&b'{') {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ReadError(format!("invalid JSON object: {e}")))?;
        let line = 1 + count_nl(&bytes[..pos]) as u64;
        each(record_from_value(line, text.trim().to_string(), value));
        return Ok(());
    }
    if bytes.get(pos) != Some(&b'[') {
        return Err(ReadError(
            "a JSON input must be an object or an array of objects: `{...}` or `[{...}, {...}]` \
             (use NDJSON for one object per line)"
                .into(),
        ));
    }
    walk_json_array(text, pos, true, &mut |line, raw, value| {
        each(record_from_value(line, raw, value))
    })
}

/// Walks the JSON array that opens at byte `start` of `text`, handing each
/// element to `each` with the line it starts on and its raw text. With
/// `whole`, nothing but white space may follow the array.
pub(crate) fn walk_json_array(
    text: &str,
    start: usize,
    whole: bool,
    each: &mut impl FnMut(u64, String, serde_json::Value),
) -> Result<(), ReadError> {
    let bytes = text.as_bytes();
    let mut pos = start + 1;
    let mut line: u64 = 1 + bytes[..pos].iter().filter(|b| **b == b'\n').count() as u64;
    let mut counted = pos;
    loop {
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b']') => {
                let rest = skip_ws(bytes, pos + 1);
                if whole && rest != bytes.len() {
                    return Err(ReadError(format!(
                        "unexpected text after the closing `]` of the JSON array (line {})",
                        line + count_nl(&bytes[counted..rest]) as u64
                    )));
                }
                break;
            }
            None => return Err(ReadError("the JSON array is not closed with `]`".into())),
            Some(_) => {}
        }
        line += count_nl(&bytes[counted..pos]) as u64;
        counted = pos;
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<serde_json::Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Err(ReadError(format!(
                    "invalid JSON in the element starting at line {line}: {e}"
                )))
            }
            None => return Err(ReadError("the JSON array is not closed with `]`".into())),
        };
        let end = pos + stream.byte_offset();
        let raw = text[pos..end].to_string();
        each(line, raw, value);
        pos = skip_ws(bytes, end);
        match bytes.get(pos) {
            Some(b',') => pos += 1,
            Some(b']') => {}
            _ => {
                return Err(ReadError(format!(
                    "expected `,` or `]` after the element starting at line {line}"
                )))
            }
        }
    }
    Ok(())
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn count_nl(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count()
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn non_empty(v: &str) -> Option<Cow<'static, str>> {
    non_empty_ref(v).map(|v| Cow::Owned(v.into_owned()))
}

fn non_empty_ref(v: &str) -> Option<Cow<'_, str>> {
    let t = v.trim();
    (!t.is_empty()).then_some(Cow::Borrowed(t))
}

/// Refuses a set of columns (`what`: "the header", "the file") that lacks a
/// required field of `kind`.
pub(crate) fn check_columns(kind: Kind, names: &[Arc<str>], what: &str) -> Result<(), ReadError> {
    let missing: Vec<&str> = kind
        .required_fields()
        .iter()
        .copied()
        .filter(|f| !names.iter().any(|n| &**n == *f))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ReadError(format!(
        "missing required column{} {} for {kind}; {what} has: {}{}",
        if missing.len() > 1 { "s" } else { "" },
        missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", "),
        names
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        column_hints(names, &missing)
    )))
}

/// What is likely wrong with a header that lacks required columns: one
/// column holding another separator (a spreadsheet's "CSV" in a locale that
/// separates with `;`), or a field's name written with capitals or spaces.
fn column_hints(names: &[Arc<str>], missing: &[&str]) -> String {
    let mut hints = Vec::new();
    if let [only] = names {
        let separators = [(';', "semicolons"), ('\t', "tabs"), ('|', "vertical bars")];
        if let Some((_, what)) = separators.iter().find(|(c, _)| only.contains(*c)) {
            hints.push(format!(
                "the header is one column, so the file looks separated by {what}: Yardstick reads \
                 comma-separated CSV (a spreadsheet's \"CSV UTF-8 (comma delimited)\")"
            ));
        }
    }
    // A missing name that the header spells otherwise (`Workflow ID`).
    let renames: Vec<String> = missing
        .iter()
        .filter_map(|m| {
            let near = |n: &&Arc<str>| n.trim().to_lowercase().replace([' ', '-'], "_") == *m;
            names.iter().find(near).map(|n| format!("`{n}` to `{m}`"))
        })
        .collect();
    if let [init @ .., last] = &renames[..] {
        let list = match init {
            [] => last.clone(),
            _ => format!("{} and {last}", init.join(", ")),
        };
        hints.push(format!("rename {list} (names are lower case with `_`)"));
    }
    hints.iter().map(|h| format!("; {h}")).collect()
}

pub(crate) fn unknown_field_warning(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Runs => format!("column `{name}` is not a run field; kept in `attributes`"),
        _ => format!(
            "column `{name}` is not a {} field; ignored",
            kind_singular(kind)
        ),
    }
}

fn kind_singular(kind: Kind) -> &'static str {
    match kind {
        Kind::Workflows => "workflow",
        Kind::Runs => "run",
        Kind::Baselines => "baseline observation",
        Kind::Steps => "step",
        Kind::Maps => "workflow map line",
        Kind::Fx => "exchange rate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ReadOutput {
        records: Vec<RawRecord<'static>>,
        warnings: Vec<String>,
    }

    fn read_all(kind: Kind, format: Format, bytes: &[u8]) -> Result<ReadOutput, ReadError> {
        let mut records = Vec::new();
        let warnings = read(kind, format, bytes, |r| records.push(r.into_owned()))?;
        Ok(ReadOutput { records, warnings })
    }

    #[test]
    fn gzip_data_read_as_text_says_how_to_send_it() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, b"source,run_id\n").unwrap();
        let packed = enc.finish().unwrap();
        for format in [Format::Csv, Format::Ndjson, Format::Json] {
            let e = read_all(Kind::Runs, format, &packed).unwrap_err().0;
            assert!(
                e.starts_with("the input is gzip-compressed: name the file .gz"),
                "{e}"
            );
        }
        // Text that merely starts with the same byte as gzip is not it.
        assert!(not_gzip(b"\x1fsource").is_ok());
    }

    #[test]
    fn a_header_missing_columns_says_what_it_likely_is() {
        // A spreadsheet's CSV in a locale that separates with semicolons.
        let text = "source;run_id;workflow_id;started_at;status\nzap;1;wf;2026-03-02;succeeded\n";
        let e = read_all(Kind::Runs, Format::Csv, text.as_bytes())
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "missing required columns `source`, `run_id`, `workflow_id`, `started_at`, `status` \
             for runs; the header has: source;run_id;workflow_id;started_at;status; the header is \
             one column, so the file looks separated by semicolons: Yardstick reads \
             comma-separated CSV (a spreadsheet's \"CSV UTF-8 (comma delimited)\")"
        );
        // Names written as a person would: each named with its field.
        let text = "Study,Workflow ID,observed_at,handle-minutes\ns,wf,2026-01-01,3\n";
        let e = read_all(Kind::Baselines, Format::Csv, text.as_bytes())
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "missing required columns `study`, `workflow_id`, `handle_minutes` for baselines; \
             the header has: Study, Workflow ID, observed_at, handle-minutes; rename `Study` to \
             `study`, `Workflow ID` to `workflow_id` and `handle-minutes` to `handle_minutes` \
             (names are lower case with `_`)"
        );
        // Nothing likely: no hint.
        let text = "a,b\n1,2\n";
        let e = read_all(Kind::Steps, Format::Csv, text.as_bytes())
            .unwrap_err()
            .0;
        assert!(e.ends_with("the header has: a, b"), "{e}");
    }

    #[test]
    fn csv_lines_count_the_header_as_line_one() {
        let text = "study,workflow_id,observed_at,handle_minutes\n\
                    s,wf,2026-01-01,3\n\
                    \n\
                    s,wf,\"2026-01-02\",4,extra\n";
        let out = read_all(Kind::Baselines, Format::Csv, text.as_bytes()).unwrap();
        assert_eq!(out.records.len(), 2);
        assert!(out.warnings.is_empty());
        assert_eq!(out.records[0].line, 2);
        assert_eq!(out.records[0].get("handle_minutes"), Some("3"));
        assert_eq!(out.records[1].line, 4);
        assert_eq!(out.records[1].raw, "s,wf,\"2026-01-02\",4,extra");
        assert!(out.records[1]
            .broken
            .as_deref()
            .unwrap()
            .contains("5 fields"));
    }

    #[test]
    fn csv_without_required_column_is_unreadable() {
        let err = read_all(Kind::Runs, Format::Csv, b"source,run_id\na,1\n").unwrap_err();
        assert!(err.0.contains("`workflow_id`"), "{err}");
        assert!(err.0.contains("`status`"), "{err}");
    }

    #[test]
    fn json_array_elements_keep_their_line() {
        let text = "[\n  {\"a\": 1},\n  {\"a\": null,\n   \"b\": \"x\"}\n]";
        let out = read_all(Kind::Runs, Format::Json, text.as_bytes()).unwrap();
        assert_eq!(out.records.len(), 2);
        assert_eq!(
            out.warnings,
            [
                "column `a` is not a run field; kept in `attributes`",
                "column `b` is not a run field; kept in `attributes`"
            ]
        );
        assert_eq!(out.records[0].line, 2);
        assert_eq!(out.records[1].line, 3);
        assert_eq!(out.records[1].get("a"), None);
        assert_eq!(out.records[1].get("b"), Some("x"));
        // One object is one record (a webhook's run); a bare scalar is not an input.
        assert_eq!(
            read_all(Kind::Runs, Format::Json, b"{\"a\":1}")
                .unwrap()
                .records
                .len(),
            1
        );
        assert!(read_all(Kind::Runs, Format::Json, b"42").is_err());
        assert!(read_all(Kind::Runs, Format::Json, b"[{\"a\":1} {\"a\":2}]").is_err());
    }

    #[test]
    fn ndjson_bad_line_is_a_broken_record() {
        let out = read_all(Kind::Runs, Format::Ndjson, b"{\"a\":1}\n\nnot json\n[1]\n").unwrap();
        assert_eq!(out.records.len(), 3);
        assert_eq!(out.records[1].line, 3);
        assert!(out.records[1]
            .broken
            .as_deref()
            .unwrap()
            .starts_with("not valid JSON"));
        assert!(out.records[2]
            .broken
            .as_deref()
            .unwrap()
            .contains("an array"));
    }

    #[test]
    fn non_utf8_is_unreadable() {
        let err = read_all(
            Kind::Runs,
            Format::Csv,
            b"source,run_id,workflow_id,started_at,status\n\xff\xfe",
        )
        .unwrap_err();
        assert!(err.0.contains("UTF-8") && err.0.contains("line 2"), "{err}");
    }
}
