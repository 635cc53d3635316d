//! Opening the inputs a job names (`[ALIAS=]INPUT`: a file, a directory or a glob) as frames,
//! with the job's read options, at the inference depth of the current attempt.

use std::path::Path;
use std::sync::Arc;

use super::build::Frame;
use crate::error::{Error, Result};
use crate::io::dataset::{Dataset, Depth, ReadOptions};
use crate::progress::Progress;

/// `[ALIAS=]INPUT`: an alias is an identifier before `=` (paths like `year=2019` have a '/').
pub fn split_alias(text: &str) -> (Option<String>, &str) {
    if let Some((alias, path)) = text.split_once('=') {
        let ident = !alias.is_empty()
            && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !alias.chars().next().is_some_and(|c| c.is_ascii_digit());
        if ident && !Path::new(text).exists() {
            return (Some(alias.to_string()), path);
        }
    }
    (None, text)
}

/// A table name for an input: its alias, else its file stem when that is an identifier.
pub fn default_qualifier(input: &str) -> Option<String> {
    let stem = Path::new(input.trim_end_matches('/'))
        .file_name()?
        .to_string_lossy()
        .split('.')
        .next()?
        .to_string();
    (!stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(stem)
}

/// What opening an input needs: the read options, the inference depth, the progress reporter.
pub struct Inputs<'a> {
    pub read: &'a ReadOptions,
    pub depth: Depth,
    pub progress: &'a Progress,
}

impl Inputs<'_> {
    /// The inputs at `paths` (no alias), as one unqualified frame.
    pub fn scan(&self, paths: &[String]) -> Result<Frame> {
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let dataset = Dataset::open_all(&paths, self.read, self.depth, self.progress)?;
        Ok(Frame::scan(Arc::new(dataset), None))
    }

    /// Several inputs read as one (`engine query a.csv b.csv`), qualified by the first one's
    /// alias or file stem; only the first may carry an alias.
    pub fn frame_all(&self, texts: &[String]) -> Result<Frame> {
        if let [one] = texts {
            return self.frame(one);
        }
        let (alias, first) = split_alias(&texts[0]);
        let mut paths = vec![first];
        for text in &texts[1..] {
            if let (Some(alias), _) = split_alias(text) {
                return Err(Error::usage(format!(
                    "'{text}': only the first of several inputs may name an alias ({alias}=...)"
                )));
            }
            paths.push(text);
        }
        let dataset = Dataset::open_all(&paths, self.read, self.depth, self.progress)?;
        Ok(Frame::scan(
            Arc::new(dataset),
            alias.or_else(|| default_qualifier(first)),
        ))
    }

    /// The input `text` names, as a frame qualified by its alias (or its file stem).
    pub fn frame(&self, text: &str) -> Result<Frame> {
        let (alias, path) = split_alias(text);
        let dataset = Dataset::open(path, self.read, self.depth, self.progress)?;
        Ok(Frame::scan(
            Arc::new(dataset),
            alias.or_else(|| default_qualifier(path)),
        ))
    }
}
