//! Finding the files behind INPUTs: each a file, a directory of part files (hidden and commit
//! files skipped, uncommitted appends left out, `col=value` partition folders read), or a glob
//! with Hadoop's `{a,b}` alternatives, as Spark's `read.csv(*paths)` takes them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::io::partition::parse_directory_name;

use super::model::*;

/// The files of several INPUTs (each expanded as `discover_one` does), in the order given,
/// without duplicates, and the names of their partition columns, which must agree.
pub fn discover(inputs: &[&str], format: Option<Format>) -> Result<(Vec<DataFile>, Vec<String>)> {
    let mut files: Vec<DataFile> = Vec::new();
    let mut names: Option<(Vec<String>, &str)> = None;
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        for pattern in expand_braces(input) {
            let (found, partitions) = discover_one(&pattern, format)?;
            match &names {
                Some((expected, first)) if *expected != partitions => {
                    return Err(Error::Dataset(format!(
                        "{pattern} has partition columns [{}] where {first} has [{}]",
                        partitions.join(", "),
                        expected.join(", ")
                    )))
                }
                Some(_) => {}
                None => names = Some((partitions, input)),
            }
            files.extend(found.into_iter().filter(|f| seen.insert(f.path.clone())));
        }
    }
    Ok((files, names.map(|(n, _)| n).unwrap_or_default()))
}

/// Hadoop's glob alternatives: `a{b,c{d,e}}` is `ab`, `acd` and `ace`. A `{` without its `}`
/// is literal.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut cuts = vec![open];
    let mut close = None;
    for (i, c) in pattern[open..].char_indices().map(|(i, c)| (i + open, c)) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => cuts.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    cuts.push(close);
    let (prefix, suffix) = (&pattern[..open], &pattern[close + 1..]);
    cuts.windows(2)
        .flat_map(|w| expand_braces(&format!("{prefix}{}{suffix}", &pattern[w[0] + 1..w[1]])))
        .collect()
}

/// The files of one INPUT, sorted by path, and the names of its partition columns.
fn discover_one(input: &str, format: Option<Format>) -> Result<(Vec<DataFile>, Vec<String>)> {
    let is_glob = input.contains(['*', '?', '[']);
    let (roots, base): (Vec<PathBuf>, PathBuf) = if is_glob {
        let matches = glob::glob(input)
            .map_err(|e| Error::usage(format!("invalid glob pattern '{input}': {e}")))?
            .filter_map(|m| m.ok())
            .collect::<Vec<_>>();
        let prefix: PathBuf = Path::new(input)
            .components()
            .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
            .collect();
        // Hidden names (`_temporary`, `.crc`) are skipped at every level the glob matched.
        let matches: Vec<PathBuf> = matches
            .into_iter()
            .filter(|m| {
                !m.strip_prefix(&prefix)
                    .unwrap_or(m)
                    .components()
                    .any(|c| is_hidden(Path::new(c.as_os_str())))
            })
            .collect();
        if matches.is_empty() {
            return Err(Error::NotFound {
                path: PathBuf::from(input),
            });
        }
        (matches, prefix)
    } else {
        let path = PathBuf::from(input);
        // An engine job killed while committing here is put right first (if nobody is
        // committing now), so readers see committed output only.
        crate::io::commit::recover_for_reading(&path);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        let base = if meta.is_dir() {
            path.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        (vec![path], base)
    };

    let mut paths = Vec::new();
    for root in roots {
        collect_files(&root, &[], &mut paths)?;
    }
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return Err(Error::Dataset(format!("{input}: contains no data files")));
    }

    let mut partition_names: Option<Vec<String>> = None;
    let mut files = Vec::with_capacity(paths.len());
    for (path, size) in paths {
        let relative = path.strip_prefix(&base).unwrap_or(&path);
        let mut names = Vec::new();
        let mut values = Vec::new();
        if let Some(parent) = relative.parent() {
            for component in parent.components() {
                if let Some((name, value)) =
                    parse_directory_name(&component.as_os_str().to_string_lossy())
                {
                    names.push(name);
                    values.push(value);
                }
            }
        }
        match &partition_names {
            None => partition_names = Some(names),
            Some(expected) if *expected != names => {
                return Err(Error::Dataset(format!(
                    "{input}: conflicting partition directories: {} has [{}] where other files have [{}]",
                    path.display(),
                    names.join(", "),
                    expected.join(", ")
                )));
            }
            Some(_) => {}
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let gzip =
            name.ends_with(".gz") || (format == Some(Format::Csv) && name.ends_with(".gzip"));
        files.push(DataFile {
            path: Arc::from(path.as_path()),
            size,
            gzip,
            partition_values: values,
        });
    }
    Ok((files, partition_names.unwrap_or_default()))
}

/// Spark skips files and directories whose names start with `_` or `.` (unless they are
/// `col=value` directories) and files still being copied.
fn is_hidden(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ((name.starts_with('_') && !name.contains('=')) || name.starts_with('.'))
        || name.ends_with("._COPYING_")
}

/// The data files under `path`, leaving out the files of appends not yet committed (a job id in
/// `pending`, or with a marker in a directory on the way down).
fn collect_files(path: &Path, pending: &[String], out: &mut Vec<(PathBuf, u64)>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        out.push((path.to_path_buf(), meta.len()));
        return Ok(());
    }
    if !meta.is_dir() {
        // Tasks read byte ranges, which a pipe or a device cannot give.
        return Err(Error::Dataset(format!(
            "{}: not a regular file or a directory (pipes and devices cannot be read; write the data to a file first)",
            path.display()
        )));
    }
    let mut pending = pending.to_vec();
    pending.extend(crate::io::commit::pending_jobs(path));
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let child = entry.path();
        if is_hidden(&child) {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if pending
            .iter()
            .any(|job| name.starts_with("part-") && name.contains(&format!("-{job}-")))
        {
            continue;
        }
        collect_files(&child, &pending, out)?;
    }
    Ok(())
}

/// The format of every file, from `--input-format` or the extensions; all must agree.
pub(super) fn file_format(files: &[DataFile], forced: Option<Format>) -> Result<Format> {
    if let Some(format) = forced {
        return Ok(format);
    }
    let mut found: Option<(Format, &Path)> = None;
    for file in files {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let stem = name.strip_suffix(".gz").unwrap_or(&name);
        let format = if stem.ends_with(".csv") || stem.ends_with(".tsv") || stem.ends_with(".txt") {
            Format::Csv
        } else if stem.ends_with(".parquet") || stem.ends_with(".parq") || stem.ends_with(".pq") {
            Format::Parquet
        } else {
            return Err(Error::usage(format!(
                "{}: cannot tell the format from the file name; use --input-format csv or --input-format parquet",
                file.path.display()
            )));
        };
        match found {
            None => found = Some((format, &file.path)),
            Some((other, other_path)) if other != format => {
                return Err(Error::Dataset(format!(
                    "{} is {:?} but {} is {:?}: an input must hold one format (use --input-format to choose)",
                    other_path.display(),
                    other,
                    file.path.display(),
                    format
                )));
            }
            Some(_) => {}
        }
    }
    found
        .map(|(f, _)| f)
        .ok_or_else(|| Error::Dataset("no data files".into()))
}
