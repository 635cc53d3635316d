//! Where CSV bytes come from: a file's (possibly gzipped) stream from an offset, and the csv
//! crate's errors as the engine's, naming the file and line. Shared by layout discovery and the
//! reader.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};

/// A byte stream of `path` from `skip` on (decompressed when `gzip`).
pub fn open_stream(path: &Path, gzip: bool, skip: u64) -> Result<Box<dyn Read + Send>> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    if gzip {
        let mut decoder =
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file));
        if skip > 0 {
            std::io::copy(&mut (&mut decoder).take(skip), &mut std::io::sink())
                .map_err(|e| Error::io(path, e))?;
        }
        Ok(Box::new(decoder))
    } else {
        file.seek(SeekFrom::Start(skip))
            .map_err(|e| Error::io(path, e))?;
        Ok(Box::new(file))
    }
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
