//! Standard output: command text, and query results streamed as CSV or JSON lines in order.
//! A closed pipe (`engine show x | head -1`) ends the output quietly; it is not an error.

use std::io::Write as _;

use crate::error::{Error, Result};
use crate::exec::partitions::Partitions;
use crate::io::json::write_json_rows;

/// Write command output to stdout.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

/// Print partitions in order as CSV or JSON lines. Partitions are run a pool's width at a
/// time, in parallel, and printed as each window completes.
pub fn stream_out(parts: &Partitions, schema: &arrow::datatypes::Schema, json: bool) -> Result<()> {
    use rayon::prelude::*;
    if !json {
        crate::io::writer::check_csv_columns(schema)?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let broken = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    if !json && !schema.fields().is_empty() {
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|e| Error::io("<stdout>", std::io::Error::from(e)))?;
        let bytes = header
            .into_inner()
            .map_err(|e| Error::io("<stdout>", e.into_error()))?;
        if let Err(e) = out.write_all(&bytes) {
            return if broken(&e) {
                Ok(())
            } else {
                Err(Error::io("<stdout>", e))
            };
        }
    }
    let window = crate::runtime::parallelism().max(1);
    for chunk in parts.parts.chunks(window) {
        let texts: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(|open| -> Result<Vec<u8>> {
                let mut buffer = Vec::new();
                for batch in open()? {
                    let batch = batch?;
                    if json {
                        write_json_rows(&mut buffer, &batch);
                    } else {
                        let mut writer = csv::WriterBuilder::new()
                            .has_headers(false)
                            .from_writer(&mut buffer);
                        crate::io::writer::write_csv_rows(&mut writer, &batch)
                            .map_err(|e| Error::io("<stdout>", e))?;
                        writer.flush().map_err(|e| Error::io("<stdout>", e))?;
                    }
                }
                Ok(buffer)
            })
            .collect::<Result<_>>()?;
        for text in texts {
            if let Err(e) = out.write_all(&text) {
                return if broken(&e) {
                    Ok(())
                } else {
                    Err(Error::io("<stdout>", e))
                };
            }
        }
    }
    match out.flush() {
        Err(e) if !broken(&e) => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}
