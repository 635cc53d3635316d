//! One pass over a CSV file that finds where its records are: blocks of whole records (so tasks
//! can read byte ranges in parallel, even with quoted newlines), how many records and lines each
//! holds, and, when asked, the inferred type of every column over *every* row.
//!
//! A reader thread cuts the file into blocks at record boundaries (a `memrchr` for the last
//! newline when the block has no quote character; a `csv-core` walk when it has); the pool parses
//! and classifies the previous group of blocks meanwhile (`rayon::join`).

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::infer::{classify, Inferred};
use super::options::CsvOptions;
use super::reader::open_stream;
use crate::error::{Error, Result};
use crate::exec;

/// A byte range of whole records.
#[derive(Debug, Clone)]
pub struct Block {
    pub start: u64,
    pub end: u64,
    /// 1-based physical line on which the block starts.
    pub first_line: u64,
    pub records: u64,
}

/// Where a file's header ends and its data starts.
#[derive(Debug, Clone)]
pub struct HeaderInfo {
    /// Header names (with a header) or `_c0`, `_c1`... (without), made unique as Spark does.
    pub names: Vec<String>,
    /// Byte offset of the first data record.
    pub data_start: u64,
    /// Line on which the first data record starts.
    pub data_line: u64,
}

/// Read the first record of a file: the header, or (without one) the row that fixes the column
/// count. An empty file has no columns.
pub fn read_header(path: &Path, gzip: bool, options: &CsvOptions) -> Result<HeaderInfo> {
    let stream = open_stream(path, gzip, 0)?;
    let mut reader = options.reader_builder().from_reader(stream);
    let mut record = csv::ByteRecord::new();
    let found = reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?;
    if !found {
        return Ok(HeaderInfo {
            names: Vec::new(),
            data_start: 0,
            data_line: 1,
        });
    }
    let count = record.len();
    if options.header {
        let position = reader.position();
        let raw: Vec<String> = record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        Ok(HeaderInfo {
            names: make_safe_header(raw),
            data_start: position.byte(),
            data_line: position.line(),
        })
    } else {
        let start = record
            .position()
            .map(|p| (p.byte(), p.line()))
            .unwrap_or((0, 1));
        Ok(HeaderInfo {
            names: (0..count).map(|i| format!("_c{i}")).collect(),
            data_start: start.0,
            data_line: start.1,
        })
    }
}

/// Spark's `makeSafeHeader`: blank names become `_cN`; duplicated names get their index appended.
fn make_safe_header(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = raw
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if n.is_empty() {
                format!("_c{i}")
            } else {
                n.clone()
            }
        })
        .collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    for i in 0..names.len() {
        if lower.iter().filter(|n| **n == lower[i]).count() > 1 {
            names[i] = format!("{}{i}", names[i]);
        }
    }
    names
}

/// The layout (and, if `infer`, the column classes) of the data part of one file.
pub struct FileScan {
    pub blocks: Vec<Block>,
    pub inferred: Vec<Inferred>,
}

#[allow(clippy::too_many_arguments)]
/// Scan the data records of `path` from `header.data_start` in blocks of about `block_size`.
/// `columns` is the column count; `infer` says whether to classify fields.
pub fn scan_file(
    path: &Path,
    gzip: bool,
    options: &CsvOptions,
    header: &HeaderInfo,
    columns: usize,
    infer: bool,
    block_size: usize,
    progress: &dyn Fn(u64),
) -> Result<FileScan> {
    let mut cutter = BlockCutter {
        stream: open_stream(path, gzip, header.data_start)?,
        pending: Vec::new(),
        offset: header.data_start,
        eof: false,
        block_size: block_size.max(1),
        options,
        path,
    };
    let group = exec::parallelism() * 2;
    let mut blocks = Vec::new();
    let mut inferred = vec![Inferred::Null; columns];
    let mut line = header.data_line;
    let mut current = cutter.next_group(group)?;
    while !current.is_empty() {
        exec::check_cancelled()?;
        let (next, stats) = rayon::join(
            || cutter.next_group(group),
            || {
                current
                    .par_iter()
                    .map(|(start, bytes)| {
                        analyze_block(path, *start, bytes, options, columns, infer)
                    })
                    .collect::<Vec<_>>()
            },
        );
        for ((start, bytes), stat) in current.iter().zip(stats) {
            let stat = stat?;
            blocks.push(Block {
                start: *start,
                end: start + bytes.len() as u64,
                first_line: line,
                records: stat.records,
            });
            line += stat.newlines;
            for (acc, class) in inferred.iter_mut().zip(stat.inferred) {
                *acc = acc.merge(class);
            }
            progress(bytes.len() as u64);
        }
        current = next?;
    }
    Ok(FileScan { blocks, inferred })
}

struct BlockCutter<'a> {
    stream: Box<dyn Read + Send>,
    pending: Vec<u8>,
    offset: u64,
    eof: bool,
    block_size: usize,
    options: &'a CsvOptions,
    path: &'a Path,
}

impl BlockCutter<'_> {
    /// Up to `count` blocks of whole records, each with its starting byte offset.
    fn next_group(&mut self, count: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let mut group = Vec::with_capacity(count);
        while group.len() < count {
            match self.next_block()? {
                Some(block) => group.push(block),
                None => break,
            }
        }
        Ok(group)
    }

    fn next_block(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        let mut want = self.block_size;
        loop {
            while !self.eof && self.pending.len() < want {
                let old = self.pending.len();
                self.pending.resize(want.max(old + 8192), 0);
                let read = read_retrying(&mut self.stream, &mut self.pending[old..])
                    .map_err(|e| Error::io(self.path, e))?;
                self.pending.truncate(old + read);
                if read == 0 {
                    self.eof = true;
                }
            }
            if self.pending.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                Some(self.pending.len())
            } else {
                last_record_end(&self.pending, self.options)
            };
            match cut {
                Some(cut) if cut > 0 => {
                    let rest = self.pending.split_off(cut);
                    let block = std::mem::replace(&mut self.pending, rest);
                    let start = self.offset;
                    self.offset += block.len() as u64;
                    return Ok(Some((start, block)));
                }
                // One record longer than the block: read more.
                _ => want = self.pending.len() * 2,
            }
        }
    }
}

fn read_retrying(stream: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Offset just past the last complete record in `bytes`, which starts at a record boundary.
fn last_record_end(bytes: &[u8], options: &CsvOptions) -> Option<usize> {
    if memchr::memchr(options.quote, bytes).is_none() {
        // No quoted field can span lines: the last newline ends a record.
        return memchr::memrchr(b'\n', bytes).map(|p| p + 1);
    }
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .quote(options.quote)
        .escape(options.escape.filter(|e| *e != options.quote))
        .double_quote(true)
        .build();
    let mut output = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1024];
    let mut position = 0;
    let mut last = None;
    loop {
        let (result, consumed, _, _) =
            reader.read_record(&bytes[position..], &mut output, &mut ends);
        position += consumed;
        match result {
            csv_core::ReadRecordResult::Record => last = Some(position),
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => break,
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
            }
        }
        if position >= bytes.len() {
            break;
        }
    }
    last
}

struct BlockStats {
    records: u64,
    newlines: u64,
    inferred: Vec<Inferred>,
}

fn analyze_block(
    path: &Path,
    start: u64,
    bytes: &[u8],
    options: &CsvOptions,
    columns: usize,
    infer: bool,
) -> Result<BlockStats> {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    if !infer {
        if let Some(records) = count_simple_records(bytes, options.quote) {
            return Ok(BlockStats {
                records,
                newlines,
                inferred: Vec::new(),
            });
        }
    }
    let mut reader = options.reader_builder().from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut records = 0u64;
    let mut inferred = vec![Inferred::Null; if infer { columns } else { 0 }];
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e).with_offset(start))?
    {
        records += 1;
        classify_record(&record, &mut inferred, options);
    }
    Ok(BlockStats {
        records,
        newlines,
        inferred,
    })
}

/// Records in a block without quote characters, where each non-empty line is one record (as the
/// csv reader counts them: empty lines skipped). None when a line ends in a lone `\r`, which the
/// reader also treats as an end of record: then the reader must count.
fn count_simple_records(bytes: &[u8], quote: u8) -> Option<u64> {
    if memchr::memchr(quote, bytes).is_some() {
        return None;
    }
    let mut records = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = &bytes[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if memchr::memchr(b'\r', line).is_some() {
            return None;
        }
        if !line.is_empty() {
            records += 1;
        }
        start = end + 1;
    }
    Some(records)
}

/// Merge the classes of one record's fields into `classes` (extra fields are ignored).
fn classify_record(record: &csv::ByteRecord, classes: &mut [Inferred], options: &CsvOptions) {
    let null_value = options.null_value.as_bytes();
    let format = options.timestamp_format.as_deref();
    for (class, field) in classes.iter_mut().zip(record.iter()) {
        if field == null_value || *class == Inferred::String {
            continue;
        }
        *class = class.merge(classify(field, *class, format));
    }
}

/// Column classes from the start of a file: at least `min_records` records and `min_bytes`
/// bytes (or the whole file if shorter). Used where only a preview of the data is read.
pub fn infer_prefix(
    path: &Path,
    gzip: bool,
    options: &CsvOptions,
    header: &HeaderInfo,
    columns: usize,
    min_records: usize,
    min_bytes: u64,
) -> Result<Vec<Inferred>> {
    let stream = open_stream(path, gzip, header.data_start)?;
    let mut reader = options.reader_builder().from_reader(stream);
    let mut record = csv::ByteRecord::new();
    let mut classes = vec![Inferred::Null; columns];
    let mut count = 0;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        count += 1;
        classify_record(&record, &mut classes, options);
        if count >= min_records && reader.position().byte() >= min_bytes {
            break;
        }
    }
    Ok(classes)
}

/// A `csv` crate error as the engine's error for `path`.
pub fn csv_error(path: &Path, error: csv::Error) -> Error {
    let line = error.position().map(|p| p.line());
    match error.into_kind() {
        csv::ErrorKind::Io(e) => Error::Csv {
            path: path.to_path_buf(),
            line,
            column: None,
            message: format!("cannot read: {e}"),
        },
        other => Error::Csv {
            path: path.to_path_buf(),
            line,
            column: None,
            message: format!("{other:?}"),
        },
    }
}

trait WithOffset {
    fn with_offset(self, start: u64) -> Self;
}

impl WithOffset for Error {
    /// Errors inside a block know lines relative to the block; a byte offset is what they can say.
    fn with_offset(self, start: u64) -> Self {
        match self {
            Error::Csv {
                path,
                column,
                message,
                ..
            } => Error::Csv {
                path,
                line: None,
                column,
                message: format!("{message} (in the block starting at byte {start})"),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ends_respect_quotes() {
        let options = CsvOptions::default();
        assert_eq!(last_record_end(b"a,b\nc,d\ne,", &options), Some(8));
        assert_eq!(last_record_end(b"a,\"b\nc\"\nd,\"e\nf", &options), Some(8));
        assert_eq!(last_record_end(b"a,\"b\nc", &options), None);
        assert_eq!(last_record_end(b"no newline", &options), None);
    }

    #[test]
    fn simple_record_counts_match_the_reader() {
        for text in ["a,b\nc,d\n", "a,b\r\n\r\nc,d", "\n\nx\n", "", "a\rb\n"] {
            let reader_count = CsvOptions::default()
                .reader_builder()
                .from_reader(text.as_bytes())
                .byte_records()
                .count() as u64;
            match count_simple_records(text.as_bytes(), b'"') {
                Some(count) => assert_eq!(count, reader_count, "{text:?}"),
                None => assert!(text.contains('\r')),
            }
        }
        assert_eq!(count_simple_records(b"a,\"b\"\n", b'"'), None);
    }

    #[test]
    fn safe_header() {
        assert_eq!(
            make_safe_header(vec!["a".into(), "".into(), "A".into()]),
            vec!["a0", "_c1", "A2"]
        );
    }
}
