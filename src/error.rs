//! The one error type of the engine. Every failure carries the context a user needs to act on it
//! (the file, and where it applies the line and column); `main` maps it to a message and an exit
//! code exactly once.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something impossible or malformed, or a query or expression
    /// does not parse (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A query or expression parses but cannot be resolved: an unknown column, table or
    /// function, a type mismatch, a misused aggregate (Spark's AnalysisException; exit code 2).
    #[error("{0}")]
    Analysis(String),

    /// A path named on the command line (or found in a directory) does not exist.
    #[error("{}: no such file or directory", .path.display())]
    NotFound { path: PathBuf },

    /// An operating-system error while touching a file.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Bad data in a CSV file. `line` is the 1-based physical line where the record starts.
    #[error("{}{}{}: {message}", .path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default(), column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        column: Option<String>,
        message: String,
    },

    /// A Parquet file that cannot be read (corrupt, truncated, not Parquet) or written.
    #[error("{}: {message}", .path.display())]
    Parquet { path: PathBuf, message: String },

    /// The inputs cannot be combined into one dataset (different formats, no files, ...).
    #[error("{0}")]
    Dataset(String),

    /// The output path already exists and the save mode is `error`.
    #[error("{}: path already exists; use --save-mode overwrite to replace it, or --save-mode append to add to it", .path.display())]
    OutputExists { path: PathBuf },

    /// An arrow kernel failed; `context` says what the engine was doing.
    #[error("{context}: {source}")]
    Arrow {
        context: String,
        source: arrow::error::ArrowError,
    },

    /// A value that the types inferred from a sample of the rows do not hold: the job is re-run
    /// with types inferred from every row (see `Depth::Sampled`); users do not see this.
    #[error("{}{}: a value in column {column} does not fit the type inferred from the first rows", .path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    InferenceContradicted {
        path: PathBuf,
        line: Option<u64>,
        column: String,
    },

    /// A job with types inferred from a sample ended without reading (and checking) every value
    /// of a column it used, so its result cannot be trusted: it is run again with types inferred
    /// from every row (see `Depth::Sampled`); users do not see this.
    #[error("{}: column {column} was not read to the end, so the types from its first rows are unchecked", .path.display())]
    SampleUnchecked { path: PathBuf, column: String },

    /// An operator needs more memory than the budget (`--memory-limit`).
    #[error("{operator}: needs more memory than the budget allows ({needed} of {limit}); raise --memory-limit")]
    MemoryExhausted {
        operator: &'static str,
        needed: String,
        limit: String,
    },

    /// A bug: a panic caught at a task boundary or in `main`.
    #[error("internal error: {0} (this is a bug in engine; no output was committed)")]
    Internal(String),

    /// The user pressed Ctrl-C or the process was asked to terminate.
    #[error("interrupted; no output was committed")]
    Interrupted,
}

impl Error {
    /// The process exit code for this error: 2 for usage errors, 130 for an interrupt, else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Analysis(_) => 2,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        let path = path.as_ref().to_path_buf();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }

    pub fn parquet(path: impl AsRef<Path>, source: impl std::fmt::Display) -> Error {
        Error::Parquet {
            path: path.as_ref().to_path_buf(),
            message: source.to_string(),
        }
    }

    pub fn arrow(context: impl Into<String>, source: arrow::error::ArrowError) -> Error {
        Error::Arrow {
            context: context.into(),
            source,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub fn analysis(message: impl Into<String>) -> Error {
        Error::Analysis(message.into())
    }
}

thread_local! {
    /// The message of the last panic on this thread, kept by the hook `quiet_panics` installs.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replace the default panic hook (which prints a trace) with one that keeps the message for
/// `catch_panic` and `main` to report as one line.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let located = match info.location() {
            Some(at) => format!("{message} at {}:{}", at.file(), at.line()),
            None => message,
        };
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(located));
    }));
}

/// The message of the last panic on this thread.
pub fn last_panic() -> String {
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| "panic".to_string())
}

/// Run `work`, turning a panic inside it (typically in a dependency, on corrupt input) into the
/// error `on_panic` makes from the panic's message.
pub fn catch_panic<T>(
    work: impl FnOnce() -> Result<T>,
    on_panic: impl FnOnce(String) -> Error,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(_) => Err(on_panic(last_panic())),
    }
}
