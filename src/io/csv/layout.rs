//! One pass over a CSV file that finds where its records are: blocks of whole records (so tasks
//! can read byte ranges in parallel, even with quoted newlines), how many records and lines each
//! holds, and, when asked, the inferred type of every column over *every* row.
//!
//! A plain file is read in parallel while no quote character has been seen: each worker reads
//! its own stretch and cuts it at newlines, which are record boundaries as long as no quoted
//! field (which may hold a newline) came before. From the first block with a quote (and for gzip
//! input) a reader thread cuts the rest into blocks at record boundaries (a `memrchr` for the
//! last newline when the block has no quote character; a `csv-core` walk when it has); the pool
//! parses and classifies the previous group of blocks meanwhile (`rayon::join`).

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::fields::split_fields;
use super::infer::{classify, Inferred};
use super::options::CsvOptions;
use super::source::{csv_error, open_stream};
use crate::error::{Error, Result};
use crate::runtime;

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
    let block_size = block_size.max(1);
    let mut blocks = Vec::new();
    let mut inferred = vec![Inferred::Null; columns];
    let mut line = header.data_line;
    let mut offset = header.data_start;
    if !gzip {
        let parallel = ParallelScan {
            path,
            options,
            columns,
            infer,
            block_size: block_size as u64,
        };
        offset = parallel.run(header.data_start, &mut |block, stat: BlockStats| {
            line += stat.newlines;
            for (acc, class) in inferred.iter_mut().zip(stat.inferred) {
                *acc = acc.merge(class);
            }
            progress(block.end - block.start);
            blocks.push(Block {
                first_line: line - stat.newlines,
                ..block
            });
        })?;
    }
    let mut cutter = BlockCutter {
        stream: open_stream(path, gzip, offset)?,
        pending: Vec::new(),
        offset,
        eof: false,
        block_size,
        options,
        path,
    };
    let group = runtime::parallelism() * 2;
    let mut current = cutter.next_group(group)?;
    while !current.is_empty() {
        runtime::check_cancelled()?;
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

/// The quote-free start of a plain file, read in parallel: every worker reads its own stretch of
/// about `block_size` bytes with its own file handle and cuts it after the first newline at or
/// past each end. Those cuts are record boundaries only while no quote character came before
/// them (a quoted field may hold a newline), so blocks are accepted in file order up to the
/// first one holding a quote; the sequential cutter takes over from there.
struct ParallelScan<'a> {
    path: &'a Path,
    options: &'a CsvOptions,
    columns: usize,
    infer: bool,
    block_size: u64,
}

impl ParallelScan<'_> {
    /// Scan from `data_start`, handing each accepted block (records counted, `first_line` left
    /// 0) to `accept` in order; returns where the sequential cutter must go on (the file's size
    /// when every block was accepted).
    fn run(&self, data_start: u64, accept: &mut dyn FnMut(Block, BlockStats)) -> Result<u64> {
        let size = std::fs::metadata(self.path)
            .map_err(|e| Error::io(self.path, e))?
            .len();
        let group = runtime::parallelism() as u64 * 4;
        let mut position = data_start;
        // Reused from group to group: fresh buffers would cost a page fault every 4 KB.
        let mut buffers = vec![Vec::new(); group as usize];
        while position < size {
            runtime::check_cancelled()?;
            let ends: Vec<u64> = (1..=group)
                .map(|k| position + k * self.block_size)
                .take_while(|&end| end - self.block_size < size)
                .collect();
            let results = buffers
                .par_iter_mut()
                .zip(&ends)
                .map(|(buffer, &end)| {
                    let (start, skip) =
                        self.read_block(buffer, data_start, end - self.block_size, end.min(size))?;
                    let bytes = &buffer[skip..];
                    if bytes.is_empty() || memchr::memchr(self.options.quote, bytes).is_some() {
                        return Ok((start, bytes.len(), None));
                    }
                    let stat = analyze_block(
                        self.path,
                        start,
                        bytes,
                        self.options,
                        self.columns,
                        self.infer,
                    )?;
                    Ok((start, bytes.len(), Some(stat)))
                })
                .collect::<Vec<Result<_>>>();
            for result in results {
                let (start, len, stat) = result?;
                if len == 0 {
                    continue;
                }
                // Every earlier block was quote-free, so `start` is a record boundary.
                let Some(stat) = stat else {
                    return Ok(start);
                };
                let end = start + len as u64;
                accept(
                    Block {
                        start,
                        end,
                        first_line: 0,
                        records: stat.records,
                    },
                    stat,
                );
                position = end;
            }
            // A stretch may end past the next one's whole range (a record longer than a block).
            position = position.max(ends.last().copied().unwrap_or(size).min(size));
        }
        // A size below the data start (a file that says it is empty but reads) leaves the rest
        // to the sequential cutter, from where the header ended.
        Ok(size.max(data_start))
    }

    /// The bytes from the first record start at or after `from` to the first at or after `to`
    /// (a record starts at `data_start` and after every newline), with the first's offset.
    fn read_block(
        &self,
        bytes: &mut Vec<u8>,
        data_start: u64,
        from: u64,
        to: u64,
    ) -> Result<(u64, usize)> {
        let path = self.path;
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // One byte before `from` tells whether `from` itself starts a record.
        let base = if from > data_start {
            from - 1
        } else {
            data_start
        };
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(base))
            .map_err(|e| Error::io(path, e))?;
        bytes.clear();
        bytes.reserve((to - base) as usize + (1 << 16));
        (&mut file)
            .take(to - base)
            .read_to_end(bytes)
            .map_err(|e| Error::io(path, e))?;
        // Extend to the end of the record that crosses `to`, unless `to` starts a record.
        let to_starts_record = bytes.last() == Some(&b'\n');
        if !to_starts_record && bytes.len() as u64 == to - base {
            loop {
                let old = bytes.len();
                (&mut file)
                    .take(1 << 16)
                    .read_to_end(bytes)
                    .map_err(|e| Error::io(path, e))?;
                if let Some(p) = memchr::memchr(b'\n', &bytes[old..]) {
                    bytes.truncate(old + p + 1);
                    break;
                }
                if bytes.len() == old {
                    break; // the end of the file
                }
            }
        }
        // Searched only now: with no newline before `to`, the first record start at or after
        // `from` is the block's end, and the block is empty.
        let start = if from == data_start {
            0
        } else {
            memchr::memchr(b'\n', bytes).map_or(bytes.len(), |p| p + 1)
        };
        Ok((base + start as u64, start))
    }
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
    if !infer {
        if let Some((records, newlines)) = count_simple_records(bytes, options.quote) {
            return Ok(BlockStats {
                records,
                newlines,
                inferred: Vec::new(),
            });
        }
    }
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    if infer {
        let mut inferred = vec![Inferred::Null; columns];
        if let Some(records) = classify_plain_block(bytes, options, &mut inferred) {
            return Ok(BlockStats {
                records,
                newlines,
                inferred,
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

/// Records and newlines in a block without quote characters, where each non-empty line is one
/// record (as the csv reader counts them: empty lines skipped). None when a carriage return
/// stands anywhere but before a newline (the reader also ends a record there): then the reader
/// must count. One pass over the newlines, no per-line search.
fn count_simple_records(bytes: &[u8], quote: u8) -> Option<(u64, u64)> {
    if memchr::memchr(quote, bytes).is_some() {
        return None;
    }
    if memchr::memchr_iter(b'\r', bytes).any(|p| bytes.get(p + 1) != Some(&b'\n')) {
        return None;
    }
    let mut newlines = 0;
    let mut empty = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes) {
        newlines += 1;
        // Empty, or only the carriage return of a CRLF.
        if end == start || (end == start + 1 && bytes[start] == b'\r') {
            empty += 1;
        }
        start = end + 1;
    }
    let last = u64::from(start < bytes.len());
    Some((newlines - empty + last, newlines))
}

/// Merge the classes of one record's fields into `classes` (extra fields are ignored).
fn classify_record(record: &csv::ByteRecord, classes: &mut [Inferred], options: &CsvOptions) {
    let null_value = options.null_value.as_bytes();
    let format = options.timestamp_format.as_ref();
    for (class, field) in classes.iter_mut().zip(record.iter()) {
        if field == null_value || field.is_empty() || *class == Inferred::String {
            continue;
        }
        *class = class.merge(classify(field, *class, format));
    }
}

/// Classify the records of a block without quote characters (each non-empty line one record,
/// split at the delimiter), merging into `classes`; the record count, or None (nothing merged)
/// when the block needs csv's reader: a quote, a carriage return not before a newline, or a
/// byte-order mark. A field equal to the previous one in its column is not classified again:
/// low-cardinality columns (flags, codes, fixed fees) repeat from row to row.
fn classify_plain_block(
    bytes: &[u8],
    options: &CsvOptions,
    classes: &mut [Inferred],
) -> Option<u64> {
    if bytes.len() > u32::MAX as usize
        || memchr::memchr(options.quote, bytes).is_some()
        || bytes.starts_with(&[0xEF, 0xBB, 0xBF])
    {
        return None;
    }
    let null_value = options.null_value.as_bytes();
    let format = options.timestamp_format.as_ref();
    let mut merged = classes.to_vec();
    // The last field classified in each column, as a range of `bytes`.
    let mut last = vec![(0usize, 0usize); classes.len()];
    let mut bounds = Vec::new();
    let mut records = 0u64;
    let mut start = 0usize;
    let ends = memchr::memchr_iter(b'\n', bytes).chain((!bytes.is_empty()).then_some(bytes.len()));
    for end in ends {
        if start >= bytes.len() {
            break;
        }
        let mut text_end = end;
        if text_end > start && bytes[text_end - 1] == b'\r' {
            text_end -= 1;
        }
        let line_start = start;
        start = end + 1;
        if text_end == line_start {
            continue;
        }
        bounds.clear();
        if !split_fields(
            &bytes[line_start..text_end],
            [options.delimiter, options.quote],
            line_start as u32,
            &mut bounds,
        ) {
            return None;
        }
        records += 1;
        for ((class, last), &(from, to)) in merged.iter_mut().zip(&mut last).zip(&bounds) {
            let field = &bytes[from as usize..to as usize];
            if *class == Inferred::String || field.is_empty() || field == null_value {
                continue;
            }
            if same_field(field, &bytes[last.0..last.1]) {
                continue;
            }
            *class = class.merge(classify(field, *class, format));
            *last = (from as usize, to as usize);
        }
    }
    classes.copy_from_slice(&merged);
    Some(records)
}

/// `a == b`, inline for fields of up to 16 bytes (two overlapping word loads per side): a call
/// to `memcmp` per field was a sixth of the inference scan.
#[inline]
fn same_field(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
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
    fn plain_block_inference_matches_the_reader() {
        let texts = [
            "1,2.5,x\n1,2.5,x\n2,,y\r\n\n3,4,2020-01-01\n",
            "1,2020-01-05 10:00:00\n1,2020-01-05\n1,2020-01-05\n7,true\n",
            "1\n1\n1\n3000000000\n3000000000\n1.5\n",
            "true,1\nTRUE,1\ntrue,a\ntrue\n,,,,extra\n",
            "a,b\r\nc,d\r",
            "0123456789abcdef0,x\n0123456789abcdef0,x\n0123456789abcdef1,y",
            "\n\n",
            "",
        ];
        for text in texts {
            let options = CsvOptions::default();
            let mut expected = vec![Inferred::Null; 4];
            let mut reader = options.reader_builder().from_reader(text.as_bytes());
            let mut record = csv::ByteRecord::new();
            let mut records = 0;
            while reader.read_byte_record(&mut record).unwrap() {
                records += 1;
                classify_record(&record, &mut expected, &options);
            }
            let mut classes = vec![Inferred::Null; 4];
            match classify_plain_block(text.as_bytes(), &options, &mut classes) {
                Some(count) => {
                    assert_eq!(count, records, "{text:?}");
                    assert_eq!(classes, expected, "{text:?}");
                }
                // Only a carriage return not before a newline sends the block to the reader.
                None => assert!(text.ends_with('\r'), "{text:?}"),
            }
        }
        for short in 0..20 {
            let a = vec![b'7'; short];
            let mut b = a.clone();
            assert!(same_field(&a, &b));
            for at in 0..short {
                b[at] = b'8';
                assert!(!same_field(&a, &b), "{short} {at}");
                b[at] = b'7';
            }
        }
    }

    #[test]
    fn simple_record_counts_match_the_reader() {
        for text in [
            "a,b\nc,d\n",
            "a,b\r\n\r\nc,d",
            "\n\nx\n",
            "",
            "a\rb\n",
            "\r\n\n\r\nx\r\ny",
            "x\r",
            "\n",
        ] {
            let reader_count = CsvOptions::default()
                .reader_builder()
                .from_reader(text.as_bytes())
                .byte_records()
                .count() as u64;
            match count_simple_records(text.as_bytes(), b'"') {
                Some((count, newlines)) => {
                    assert_eq!(count, reader_count, "{text:?}");
                    assert_eq!(newlines, text.matches('\n').count() as u64, "{text:?}");
                }
                None => assert!(text.contains('\r')),
            }
        }
        assert_eq!(count_simple_records(b"a,\"b\"\n", b'"'), None);
    }

    /// Blocks of `text` (no header) as `scan_file` finds them, and the records the csv reader
    /// counts when it reads each block on its own.
    fn scan_text(text: &[u8], block_size: usize) -> (Vec<Block>, u64, u64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let options = CsvOptions::default();
        let header = HeaderInfo {
            names: vec!["a".into(), "b".into()],
            data_start: 0,
            data_line: 1,
        };
        let scan = scan_file(
            &path,
            false,
            &options,
            &header,
            2,
            true,
            block_size,
            &|_| {},
        )
        .unwrap();
        let mut records = 0;
        for block in &scan.blocks {
            let bytes = &text[block.start as usize..block.end as usize];
            records += options
                .reader_builder()
                .from_reader(bytes)
                .byte_records()
                .count() as u64;
        }
        let counted = scan.blocks.iter().map(|b| b.records).sum();
        (scan.blocks, records, counted)
    }

    #[test]
    fn parallel_blocks_stop_at_the_first_quote() {
        // Quote-free lines, then a quoted field spanning lines, then quote-free lines again, a
        // record longer than a block, CRLF and empty lines, and no final newline.
        let mut text = Vec::new();
        for i in 0..200 {
            text.extend_from_slice(format!("{i},plain\n").as_bytes());
        }
        text.extend_from_slice(b"q,\"two\nlines, \"\"quoted\"\"\"\r\n\n");
        for i in 0..200 {
            text.extend_from_slice(format!("{i},{}\n", "x".repeat(i % 50)).as_bytes());
        }
        text.extend_from_slice(format!("long,{}\nend,1", "y".repeat(300)).as_bytes());
        let expected = CsvOptions::default()
            .reader_builder()
            .from_reader(text.as_slice())
            .byte_records()
            .count() as u64;
        for block_size in [1, 7, 64, 100, 1000, 1 << 20] {
            let (blocks, records, counted) = scan_text(&text, block_size);
            assert_eq!(records, expected, "block size {block_size}");
            assert_eq!(counted, expected, "block size {block_size}");
            // Adjacent, covering the file, with the lines they start on.
            assert_eq!(blocks.first().map(|b| b.start), Some(0));
            assert_eq!(blocks.last().map(|b| b.end), Some(text.len() as u64));
            for pair in blocks.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                let newlines = text[..pair[1].start as usize]
                    .iter()
                    .filter(|&&b| b == b'\n');
                assert_eq!(pair[1].first_line, 1 + newlines.count() as u64);
            }
        }
    }

    #[test]
    fn parallel_blocks_of_plain_files() {
        let text = b"1,a\r\n2,b\r\n\r\n3,c\n4,d\n".repeat(50);
        for block_size in [1, 5, 13, 4096] {
            let (blocks, records, counted) = scan_text(&text, block_size);
            assert_eq!((records, counted), (200, 200), "block size {block_size}");
            assert!(blocks.iter().all(|b| b.start < b.end));
        }
        let (blocks, _, counted) = scan_text(b"", 10);
        assert!(blocks.is_empty());
        assert_eq!(counted, 0);
    }

    #[test]
    fn safe_header() {
        assert_eq!(
            make_safe_header(vec!["a".into(), "".into(), "A".into()]),
            vec!["a0", "_c1", "A2"]
        );
    }
}
