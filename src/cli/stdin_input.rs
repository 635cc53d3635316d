//! `-` as an INPUT: standard input (a pipe, a FIFO, a redirect), or an INPUT that is itself a
//! stream (`/dev/stdin`, a named FIFO, `<(...)`), spooled to a temporary file before anything
//! reads it. A CSV needs a full pass to infer its types before the rows are read
//! again, and Parquet needs to seek, so neither can be read once from a stream; the spool is
//! removed when the command ends. Its format comes from its first bytes (`PAR1` is Parquet, a
//! gzip header is gzipped CSV, anything else CSV), or from the command's format flag.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// The spooled copy of standard input; the directory holding it goes when this is dropped.
pub struct Spooled {
    dir: PathBuf,
    pub path: String,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copy standard input to a temporary file named for its format.
pub fn spool_stdin() -> Result<Spooled> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::usage(
            "INPUT '-' reads standard input, which is a terminal here: pipe or redirect the data in",
        ));
    }
    spool(&mut stdin.lock(), "<stdin>")
}

/// Whether `input` names a stream rather than a file or directory: a FIFO, `/dev/stdin`, a
/// process substitution. Such an input cannot be read in byte ranges and is spooled.
pub fn is_stream(input: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(input).is_ok_and(|m| {
        let kind = m.file_type();
        kind.is_fifo() || kind.is_char_device() || kind.is_socket()
    })
}

/// Copy the stream at `path` to a temporary file named for its format.
pub fn spool_path(path: &str) -> Result<Spooled> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    spool(&mut file, path)
}

/// Copy `input` (named `label` in errors) to a temporary file named for its format.
fn spool(input: &mut dyn Read, label: &str) -> Result<Spooled> {
    static SPOOLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let serial = SPOOLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("engine-stdin-{}-{serial}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // Removed on every way out, a failed copy included.
    let mut spooled = Spooled {
        dir: dir.clone(),
        path: String::new(),
    };
    let partial = dir.join("stdin.part");
    let mut file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, e))?;
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        let n = input
            .read(&mut head[filled..])
            .map_err(|e| Error::io(label, e))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    file.write_all(&head[..filled])
        .map_err(|e| Error::io(&partial, e))?;
    std::io::copy(input, &mut file).map_err(|e| Error::io(label, e))?;
    file.flush().map_err(|e| Error::io(&partial, e))?;
    let name = match &head[..filled] {
        b"PAR1" => "stdin.parquet",
        [0x1f, 0x8b, ..] => "stdin.csv.gz",
        _ => "stdin.csv",
    };
    let path = dir.join(name);
    std::fs::rename(&partial, &path).map_err(|e| Error::io(&path, e))?;
    spooled.path = path.to_string_lossy().into_owned();
    Ok(spooled)
}
