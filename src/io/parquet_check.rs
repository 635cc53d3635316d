//! Checks a Parquet file's footer and page headers against the file itself before the parquet
//! crate decodes it. The crate trusts sizes and counts it reads (a page header claiming
//! `i32::MAX` bytes is allocated, negative offsets panic), so a corrupt or hostile file could
//! abort the process or take gigabytes from a 13 KB file. Every size is checked here against the
//! bytes that can hold it; a file that fails is an error naming it, never a crash.
//!
//! Page headers are Thrift compact-protocol structs; the crate's reader of them is private, so
//! the few fields checked here are read by the small reader below.

use std::fs::File;
use std::path::Path;

use parquet::basic::{Compression, Type as PhysicalType};
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};

use crate::error::{Error, Result};

/// Pages up to this size are accepted whatever their compressed size (allocating it is harmless).
const SMALL_PAGE: i64 = 16 << 20;

fn corrupt(path: &Path, what: String) -> Error {
    Error::parquet(path, format!("corrupt Parquet file: {what}"))
}

/// Footer checks that need no reading: row counts, and column chunks inside the file.
pub fn check_footer(path: &Path, metadata: &ParquetMetaData, file_len: u64) -> Result<()> {
    let declared = metadata.file_metadata().num_rows();
    let mut sum: i64 = 0;
    let leaves = metadata.file_metadata().schema_descr().num_columns();
    for (g, group) in metadata.row_groups().iter().enumerate() {
        if group.num_rows() < 0 {
            return Err(corrupt(
                path,
                format!("row group {g} has a negative row count"),
            ));
        }
        sum = sum.saturating_add(group.num_rows());
        if group.columns().len() != leaves {
            return Err(corrupt(
                path,
                format!(
                    "row group {g} has {} column chunks for {leaves} columns",
                    group.columns().len()
                ),
            ));
        }
        for (c, column) in group.columns().iter().enumerate() {
            check_chunk_bounds(path, g, c, column, file_len)?;
        }
    }
    if declared != sum {
        return Err(corrupt(
            path,
            format!(
                "the footer says {declared} rows but its row groups hold {sum}; the file is damaged"
            ),
        ));
    }
    Ok(())
}

fn check_chunk_bounds(
    path: &Path,
    group: usize,
    index: usize,
    column: &ColumnChunkMetaData,
    file_len: u64,
) -> Result<()> {
    let name = column.column_path().string();
    let start = column
        .dictionary_page_offset()
        .unwrap_or(column.data_page_offset());
    let length = column.compressed_size();
    let bad = |what: &str| {
        Err(corrupt(
            path,
            format!("column {name} (chunk {index} of row group {group}): {what}"),
        ))
    };
    if start < 4 || length < 0 || column.data_page_offset() < 4 {
        return bad("negative or impossible offset");
    }
    if column.dictionary_page_offset().is_some_and(|d| d < 4) {
        return bad("negative or impossible dictionary offset");
    }
    if (start as u64).saturating_add(length as u64) > file_len {
        return bad("its pages lie past the end of the file");
    }
    if column.num_values() < 0 {
        return bad("negative value count");
    }
    Ok(())
}

/// Read every page header of the given column chunks and check it against the chunk.
pub fn check_pages(
    path: &Path,
    file: &File,
    metadata: &ParquetMetaData,
    row_groups: &[usize],
    leaves: &[usize],
) -> Result<()> {
    for &g in row_groups {
        let Some(group) = metadata.row_groups().get(g) else {
            continue;
        };
        for &c in leaves {
            let Some(column) = group.columns().get(c) else {
                continue;
            };
            check_chunk_pages(path, file, column, group.num_rows()).map_err(|what| {
                corrupt(
                    path,
                    format!("column {}: {what}", column.column_path().string()),
                )
            })?;
        }
    }
    Ok(())
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], offset + done as u64)? {
                0 => break,
                n => done += n,
            }
        }
        Ok(done)
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut handle = file;
        handle.seek(SeekFrom::Start(offset))?;
        handle.read(buf)
    }
}

fn check_chunk_pages(
    path: &Path,
    file: &File,
    column: &ColumnChunkMetaData,
    group_rows: i64,
) -> std::result::Result<(), String> {
    let _ = path;
    let start = column
        .dictionary_page_offset()
        .unwrap_or(column.data_page_offset()) as u64;
    let end = start + column.compressed_size() as u64;
    let codec = column.compression();
    let descriptor = column.column_descr();
    let repeated = descriptor.max_rep_level() > 0;
    // The fewest bytes a dictionary value takes, encoded plain.
    let value_width: i64 = match descriptor.physical_type() {
        PhysicalType::BOOLEAN => 1,
        PhysicalType::INT32 | PhysicalType::FLOAT | PhysicalType::BYTE_ARRAY => 4,
        PhysicalType::INT64 | PhysicalType::DOUBLE => 8,
        PhysicalType::INT96 => 12,
        PhysicalType::FIXED_LEN_BYTE_ARRAY => i64::from(descriptor.type_length().max(1)),
    };
    let ratio: i64 = match codec {
        Compression::UNCOMPRESSED => 1,
        Compression::SNAPPY | Compression::LZ4 | Compression::LZ4_RAW | Compression::LZO => 256,
        Compression::GZIP(_) => 1100,
        Compression::ZSTD(_) | Compression::BROTLI(_) => 1 << 15,
    };
    let mut offset = start;
    let mut buffer = vec![0u8; 256];
    let mut values_seen: i64 = 0;
    while offset < end {
        let remaining = end - offset;
        // A header is usually tens of bytes; statistics can make it longer, so read more until
        // it parses or the chunk ends.
        let mut want = 256u64.min(remaining) as usize;
        let header = loop {
            buffer.resize(want, 0);
            let got = read_at(file, &mut buffer[..want], offset)
                .map_err(|e| format!("cannot read a page header: {e}"))?;
            match PageHeader::parse(&buffer[..got]) {
                Ok(header) => break header,
                Err(Incomplete) if (want as u64) < remaining && got == want => {
                    want = (want * 4).min(remaining as usize).min(64 << 20);
                }
                Err(_) => {
                    return Err(format!(
                        "unreadable page header at byte {offset} (the column chunk ends at {end})"
                    ))
                }
            }
        };
        let at = format!("page at byte {offset}");
        if header.compressed < 0 || header.uncompressed < 0 {
            return Err(format!("{at}: negative page size"));
        }
        let body_end = offset + header.length as u64 + header.compressed as u64;
        if body_end > end {
            return Err(format!(
                "{at}: the page runs past the end of its column chunk"
            ));
        }
        let bound = SMALL_PAGE.max(header.compressed.saturating_mul(ratio));
        if header.uncompressed > bound
            || (codec == Compression::UNCOMPRESSED && header.uncompressed != header.compressed)
        {
            return Err(format!(
                "{at}: claims {} bytes once decompressed from {} bytes",
                header.uncompressed, header.compressed
            ));
        }
        match header.kind {
            DICTIONARY_PAGE => {
                let values = header.values.unwrap_or(0);
                if values < 0
                    || values > header.uncompressed.max(1) * 8 / (value_width * 8).max(1) + 1
                {
                    return Err(format!(
                        "{at}: a dictionary of {values} values cannot fit in {} bytes",
                        header.uncompressed
                    ));
                }
            }
            DATA_PAGE | DATA_PAGE_V2 => {
                let values = header
                    .values
                    .ok_or_else(|| format!("{at}: data page without its header"))?;
                if values < 0 {
                    return Err(format!("{at}: negative value count"));
                }
                values_seen = values_seen.saturating_add(values);
                if !repeated && values_seen > group_rows.max(column.num_values()) {
                    return Err(format!(
                        "{at}: its pages hold more values than the row group has rows ({group_rows})"
                    ));
                }
                if header.kind == DATA_PAGE_V2 {
                    let levels = header.levels_length;
                    if header.levels_length < 0
                        || levels > header.compressed
                        || levels > header.uncompressed
                    {
                        return Err(format!("{at}: level lengths larger than the page"));
                    }
                    if let Some(rows) = header.rows {
                        if rows < 0 || rows > values.max(0) {
                            return Err(format!("{at}: impossible row count {rows}"));
                        }
                    }
                    if header.is_compressed
                        && codec != Compression::UNCOMPRESSED
                        && header.compressed == levels
                        && header.uncompressed > levels
                    {
                        return Err(format!("{at}: compressed values of 0 bytes"));
                    }
                }
            }
            INDEX_PAGE => {}
            other => return Err(format!("{at}: unknown page type {other}")),
        }
        offset = body_end;
    }
    Ok(())
}

const DATA_PAGE: i32 = 0;
const INDEX_PAGE: i32 = 1;
const DICTIONARY_PAGE: i32 = 2;
const DATA_PAGE_V2: i32 = 3;

/// The fields of a Parquet `PageHeader` that are checked.
#[derive(Debug, Default)]
struct PageHeader {
    /// Bytes the header itself took.
    length: usize,
    kind: i32,
    uncompressed: i64,
    compressed: i64,
    /// num_values of the data, v2 or dictionary page header.
    values: Option<i64>,
    /// v2: num_rows.
    rows: Option<i64>,
    /// v2: definition plus repetition levels byte lengths.
    levels_length: i64,
    is_compressed: bool,
}

/// Why a header could not be read: it needs more bytes than were read, or it is not Thrift.
#[derive(Debug, PartialEq)]
enum Unreadable {
    Incomplete,
    Invalid,
}
use Unreadable::{Incomplete, Invalid};

/// A minimal reader of the Thrift compact protocol.
struct Compact<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl<'a> Compact<'a> {
    fn byte(&mut self) -> std::result::Result<u8, Unreadable> {
        let b = *self.bytes.get(self.at).ok_or(Incomplete)?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> std::result::Result<u64, Unreadable> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift < 64 {
                value |= u64::from(b & 0x7f) << shift;
            }
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        // More than 10 bytes is not a varint.
        Err(Invalid)
    }

    fn zigzag(&mut self) -> std::result::Result<i64, Unreadable> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// Skip a value of compact type `kind`.
    fn skip(&mut self, kind: u8) -> std::result::Result<(), Unreadable> {
        match kind {
            1 | 2 => Ok(()),
            3 => self.byte().map(|_| ()),
            4..=6 => self.varint().map(|_| ()),
            7 => {
                for _ in 0..8 {
                    self.byte()?;
                }
                Ok(())
            }
            8 => {
                let len = self.varint()? as usize;
                if self.bytes.len().saturating_sub(self.at) < len {
                    return Err(Incomplete);
                }
                self.at += len;
                Ok(())
            }
            9 | 10 => {
                let head = self.byte()?;
                let count = if head >> 4 == 15 {
                    self.varint()? as usize
                } else {
                    (head >> 4) as usize
                };
                let element = head & 0x0f;
                for _ in 0..count {
                    self.skip(element)?;
                }
                Ok(())
            }
            11 => {
                let count = self.varint()? as usize;
                if count == 0 {
                    return Ok(());
                }
                let kinds = self.byte()?;
                for _ in 0..count {
                    self.skip(kinds >> 4)?;
                    self.skip(kinds & 0x0f)?;
                }
                Ok(())
            }
            12 => self.fields(|_, _, _| Ok(false)),
            _ => Err(Invalid),
        }
    }

    /// Walk a struct's fields; `visit(reader, id, kind)` reads a field it wants (returning true)
    /// or leaves it to be skipped (false).
    fn fields(
        &mut self,
        mut visit: impl FnMut(&mut Self, i16, u8) -> std::result::Result<bool, Unreadable>,
    ) -> std::result::Result<(), Unreadable> {
        self.depth += 1;
        if self.depth > 32 {
            return Err(Invalid);
        }
        let mut last: i16 = 0;
        loop {
            let head = self.byte()?;
            if head == 0 {
                break;
            }
            let kind = head & 0x0f;
            let delta = head >> 4;
            let id = if delta == 0 {
                self.zigzag()? as i16
            } else {
                last.wrapping_add(i16::from(delta))
            };
            last = id;
            if !visit(self, id, kind)? {
                self.skip(kind)?;
            }
        }
        self.depth -= 1;
        Ok(())
    }
}

impl PageHeader {
    fn parse(bytes: &[u8]) -> std::result::Result<PageHeader, Unreadable> {
        let mut reader = Compact {
            bytes,
            at: 0,
            depth: 0,
        };
        let mut header = PageHeader {
            kind: -1,
            uncompressed: -1,
            compressed: -1,
            is_compressed: true,
            ..Default::default()
        };
        reader.fields(|r, id, kind| {
            Ok(match (id, kind) {
                (1, 5) => {
                    header.kind = r.zigzag()? as i32;
                    true
                }
                (2, 5) => {
                    header.uncompressed = r.zigzag()?;
                    true
                }
                (3, 5) => {
                    header.compressed = r.zigzag()?;
                    true
                }
                // data_page_header (5), dictionary_page_header (7): field 1 is num_values.
                (5, 12) | (7, 12) => {
                    r.fields(|r, id, kind| {
                        Ok(if (id, kind) == (1, 5) {
                            header.values = Some(r.zigzag()?);
                            true
                        } else {
                            false
                        })
                    })?;
                    true
                }
                (8, 12) => {
                    r.fields(|r, id, kind| {
                        Ok(match (id, kind) {
                            (1, 5) => {
                                header.values = Some(r.zigzag()?);
                                true
                            }
                            (3, 5) => {
                                header.rows = Some(r.zigzag()?);
                                true
                            }
                            (5, 5) | (6, 5) => {
                                header.levels_length =
                                    header.levels_length.saturating_add(r.zigzag()?);
                                true
                            }
                            (7, 1) => {
                                header.is_compressed = true;
                                true
                            }
                            (7, 2) => {
                                header.is_compressed = false;
                                true
                            }
                            _ => false,
                        })
                    })?;
                    true
                }
                _ => false,
            })
        })?;
        header.length = reader.at;
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_dictionary_page_header() {
        // type=2 (DICTIONARY_PAGE), uncompressed=10, compressed=12, dictionary header num_values=3.
        let bytes = [
            0x15, 0x04, 0x15, 0x14, 0x15, 0x18, 0x2c, 0x15, 0x06, 0x00, 0x00,
        ];
        let header = PageHeader::parse(&bytes).unwrap();
        assert_eq!(header.kind, DICTIONARY_PAGE);
        assert_eq!(header.uncompressed, 10);
        assert_eq!(header.compressed, 12);
        assert_eq!(header.values, Some(3));
        assert_eq!(header.length, bytes.len());
        assert!(PageHeader::parse(&bytes[..5]).is_err());
    }
}
