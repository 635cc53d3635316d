//! Committing output so that a destination only ever holds its old output or the new one, whole,
//! whatever happens to the process (an error, Ctrl-C, SIGKILL, an OOM kill) and whoever else
//! writes to it at the same time.
//!
//! The protocol, for a destination `DIR` in a parent directory `P`:
//! - A job writes its files into its own hidden staging directory `P/.DIR.engine-<job>.tmp`,
//!   which it holds an exclusive `flock` on for its whole life (so others can tell a live job's
//!   staging directory from one a killed job left behind).
//! - The commit runs under the destination's lock, `P/.DIR.engine.lock` (an advisory `flock`,
//!   removed when released). Under it, the save mode is checked again (two jobs that both saw no
//!   destination cannot both create it), stale state of killed jobs is recovered, and then:
//!   - new destination: one `rename` (with `RENAME_NOREPLACE`);
//!   - overwrite: one `renameat2(RENAME_EXCHANGE)` swaps the staged output and the old one; the
//!     old one, now in the staging path, is deleted afterwards. Where the file system cannot
//!     exchange, the old output is renamed aside to `P/.DIR.engine-<job>.old` first; a job killed
//!     between the two renames is rolled forward by the next one (the staged output is whole,
//!     since the commit only starts once every task finished);
//!   - append: a marker `DIR/.engine-pending-<job>` listing the files is written first, then the
//!     files are moved in, then the marker is removed: that removal is the commit. Readers skip
//!     the files of a job whose marker is present, and the next writer (or reader) of a
//!     destination with a stale marker deletes the files it lists.
//! - Overwrite deletes only what looks like output (part files, `_SUCCESS`, checksums, commit
//!   leftovers, `col=value` folders of the same), never `/`, the home directory, the working
//!   directory or its parents, nor a directory holding an input of the job.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Prefix of the marker of an append in progress, inside the destination directory.
pub const PENDING_PREFIX: &str = ".engine-pending-";

/// The parent directory of `path` (`.` for a bare name).
pub fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into())
}

/// The hidden staging directory of job `job_id` writing to `destination`.
pub fn staging_path(destination: &Path, job_id: &str) -> PathBuf {
    parent_of(destination).join(format!(".{}.engine-{job_id}.tmp", base_name(destination)))
}

fn aside_path(destination: &Path, job_id: &str) -> PathBuf {
    parent_of(destination).join(format!(".{}.engine-{job_id}.old", base_name(destination)))
}

fn lock_path(destination: &Path) -> PathBuf {
    parent_of(destination).join(format!(".{}.engine.lock", base_name(destination)))
}

/// A test hook: `ENGINE_TEST_KILL_AT=<point>` makes the process SIGKILL itself at that point of
/// a commit, so the test suite can check every window of the protocol deterministically.
pub fn kill_point(point: &str) {
    if std::env::var_os("ENGINE_TEST_KILL_AT").is_some_and(|v| v == point) {
        #[cfg(unix)]
        // SAFETY: kill(2) on our own pid with a constant signal has no memory effects.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
}

fn note(message: &str) {
    eprintln!("engine: note: {message}");
}

/// A staging directory held by its job: the flock says "alive" to other processes.
pub struct Staging {
    pub path: PathBuf,
    _lock: File,
}

impl Staging {
    /// Create and lock the staging directory of a new job. It is made under a name recovery
    /// leaves alone (`.new`), locked, and only then renamed to its staging name: a staging
    /// directory is never seen unlocked while its job lives.
    pub fn create(destination: &Path, job_id: &str) -> Result<Staging> {
        let parent = parent_of(destination);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let path = staging_path(destination, job_id);
        let fresh = path.with_extension("new");
        // Errors name the destination as given, not the hidden directory beside it.
        std::fs::create_dir(&fresh).map_err(|e| Error::io(destination, e))?;
        let locked = File::open(&fresh).and_then(|lock| lock.lock().map(|()| lock));
        let lock = match locked {
            Ok(lock) => lock,
            Err(e) => {
                let _ = std::fs::remove_dir(&fresh);
                return Err(Error::io(destination, e));
            }
        };
        if let Err(e) = std::fs::rename(&fresh, &path) {
            let _ = std::fs::remove_dir(&fresh);
            return Err(Error::io(destination, e));
        }
        Ok(Staging { path, _lock: lock })
    }
}

/// The exclusive lock on a destination, held while committing or recovering it.
pub struct DestinationLock {
    path: PathBuf,
    file: File,
}

impl DestinationLock {
    /// Take the lock, waiting for another engine process that holds it.
    pub fn acquire(destination: &Path) -> Result<DestinationLock> {
        let mut said = false;
        loop {
            if let Some(lock) = Self::attempt(destination, !said)? {
                return Ok(lock);
            }
            if !said {
                note(&format!(
                    "{}: another engine job is committing to it; waiting for it to finish",
                    destination.display()
                ));
                said = true;
            }
        }
    }

    /// Take the lock if nobody holds it.
    pub fn try_acquire(destination: &Path) -> Result<Option<DestinationLock>> {
        Self::attempt(destination, true)
    }

    fn attempt(destination: &Path, nonblocking: bool) -> Result<Option<DestinationLock>> {
        let path = lock_path(destination);
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(destination, e))?;
            if nonblocking {
                match file.try_lock() {
                    Ok(()) => {}
                    Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                    Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
                }
            } else {
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            // The previous holder may have removed the file between our open and our lock: the
            // lock is only ours if the file we locked is still the one at the path.
            if same_file(&file, &path) {
                return Ok(Some(DestinationLock { path, file }));
            }
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock, so nobody can lock a file that is about to go.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `path` names a part file or other file Spark or engine writes into an output.
fn is_output_file(name: &str) -> bool {
    name.starts_with("part-")
        || name == "_SUCCESS"
        || name == "_metadata"
        || name == "_common_metadata"
        || name.starts_with("_committed_")
        || name.starts_with("_started_")
        || (name.starts_with('.') && name.ends_with(".crc"))
        || name.starts_with(PENDING_PREFIX)
}

/// Data files a single-file write may replace.
fn is_data_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".parquet", ".csv", ".csv.gz", ".json", ".jsonl", ".tsv", ".gz",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
        || lower.starts_with("part-")
}

/// The first entry under `dir` that is not output (part files, `_SUCCESS`, checksums, commit
/// leftovers, `col=value` folders and Spark's `_temporary` of the same).
fn first_foreign_entry(dir: &Path) -> Result<Option<PathBuf>> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            if name == "_temporary" {
                // Spark's staging of a job that did not finish: all of it is Spark's.
                continue;
            }
            let is_partition = name.contains('=') && !name.starts_with('.');
            if is_partition {
                if let Some(found) = first_foreign_entry(&path)? {
                    return Ok(Some(found));
                }
                continue;
            }
            return Ok(Some(path));
        }
        if kind.is_file() && is_output_file(&name) {
            continue;
        }
        return Ok(Some(path));
    }
    Ok(None)
}

fn canonical(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

/// Refuse to overwrite `destination` unless it is missing or looks like output, and never a
/// path that is `/`, the home directory, the working directory or one of its parents, or one
/// holding an input of the job.
pub fn check_overwritable<'a>(
    destination: &Path,
    inputs: impl Iterator<Item = &'a Path>,
) -> Result<()> {
    let Ok(meta) = destination.symlink_metadata() else {
        return Ok(());
    };
    let shown = destination.display();
    let refuse = |why: String| {
        Err(Error::usage(format!(
            "{shown}: refusing to overwrite: {why}; choose another output path"
        )))
    };
    let refuse_contents = |why: String| {
        Err(Error::usage(format!(
            "{shown}: refusing to overwrite: {why}; remove it yourself if it can go, or choose another output path"
        )))
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    let target = destination
        .canonicalize()
        .map_err(|e| Error::io(destination, e))?;
    if target.parent().is_none() {
        return refuse("it is the root directory".into());
    }
    if let Some(home) = std::env::var_os("HOME").and_then(|h| canonical(Path::new(&h))) {
        if home == target {
            return refuse("it is the home directory".into());
        }
    }
    if let Some(cwd) = std::env::current_dir().ok().and_then(|c| canonical(&c)) {
        if cwd.starts_with(&target) {
            return refuse("it is the working directory or one of its parents".into());
        }
    }
    for input in inputs {
        let Some(input) = canonical(input) else {
            continue;
        };
        if input.starts_with(&target) {
            return Err(Error::usage(format!(
                "{shown}: cannot overwrite a path that is also being read from ({})",
                input.display()
            )));
        }
    }
    if meta.is_dir() {
        if let Some(foreign) = first_foreign_entry(&target)? {
            return refuse_contents(format!(
                "it holds '{}', which is not the output of a Spark or engine job",
                foreign.strip_prefix(&target).unwrap_or(&foreign).display()
            ));
        }
    } else if meta.is_file() {
        if !is_data_file_name(&base_name(&target)) {
            return refuse_contents("it is a file that does not look like data output".into());
        }
    } else {
        return refuse("it is not a regular file or a directory".into());
    }
    Ok(())
}

/// Rename `from` to `to`, failing if `to` exists (atomically where the OS can say so).
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        match renameat2(from, to, libc::RENAME_NOREPLACE) {
            Err(e) if unsupported(&e) => {}
            other => return other,
        }
    }
    if to.symlink_metadata().is_ok() {
        return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
    }
    std::fs::rename(from, to)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(from.as_os_str().as_bytes())?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths relative to the working directory.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP)
    )
}

/// Swap `new` and `old` in one step where the file system allows it. False when it cannot.
fn exchange(new: &Path, old: &Path) -> std::io::Result<bool> {
    if std::env::var_os("ENGINE_TEST_NO_EXCHANGE").is_some() {
        return Ok(false);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        match renameat2(new, old, libc::RENAME_EXCHANGE) {
            Ok(()) => return Ok(true),
            Err(e) if unsupported(&e) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    #[allow(unreachable_code)]
    Ok(false)
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Make renames and new entries in `dir` durable.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Put `new` (a staged directory or file) at `destination`, which must be missing or (with
/// `overwrite`) replaceable. Caller holds the destination lock and has checked the mode.
pub fn publish(new: &Path, destination: &Path, job_id: &str) -> Result<()> {
    let parent = parent_of(destination);
    if destination.symlink_metadata().is_err() {
        kill_point("before-publish");
        rename_no_replace(new, destination).map_err(|e| Error::io(destination, e))?;
        sync_dir(&parent);
        return Ok(());
    }
    kill_point("before-swap");
    if exchange(new, destination).map_err(|e| Error::io(destination, e))? {
        sync_dir(&parent);
        kill_point("after-swap");
        // `new` now holds the old output.
        if let Err(e) = remove_any(new) {
            note(&format!(
                "{}: could not remove the replaced output: {e}",
                new.display()
            ));
        }
        return Ok(());
    }
    // No atomic exchange: move the old output aside, then the new one in; a kill in between is
    // rolled forward by `recover`.
    let aside = aside_path(destination, job_id);
    std::fs::rename(destination, &aside).map_err(|e| Error::io(destination, e))?;
    kill_point("after-aside");
    if let Err(e) = std::fs::rename(new, destination) {
        let _ = std::fs::rename(&aside, destination);
        return Err(Error::io(destination, e));
    }
    sync_dir(&parent);
    kill_point("after-rename");
    if let Err(e) = remove_any(&aside) {
        note(&format!(
            "{}: could not remove the replaced output: {e}",
            aside.display()
        ));
    }
    Ok(())
}

/// Every file under `dir`, as paths relative to it, sorted.
fn relative_files(dir: &Path, prefix: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let relative = prefix.join(entry.file_name());
        if entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir() {
            relative_files(&path, &relative, out)?;
        } else {
            out.push(relative);
        }
    }
    Ok(())
}

/// Add the staged files of `staging` to the directory `destination`, all or nothing. Caller
/// holds the destination lock.
pub fn append(staging: &Path, destination: &Path, job_id: &str) -> Result<()> {
    let mut files = Vec::new();
    relative_files(staging, Path::new(""), &mut files)?;
    files.retain(|f| f != Path::new("_SUCCESS"));
    files.sort();
    let marker = destination.join(format!("{PENDING_PREFIX}{job_id}"));
    let listing: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let mut handle = File::create(&marker).map_err(|e| Error::io(&marker, e))?;
    handle
        .write_all(listing.as_bytes())
        .and_then(|_| handle.sync_all())
        .map_err(|e| Error::io(&marker, e))?;
    sync_dir(destination);
    kill_point("append-after-marker");
    let moved = (|| -> Result<()> {
        for (i, file) in files.iter().enumerate() {
            let target = destination.join(file);
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
            }
            rename_no_replace(&staging.join(file), &target).map_err(|e| Error::io(&target, e))?;
            if i == 0 {
                kill_point("append-mid-move");
            }
        }
        let success = destination.join("_SUCCESS");
        File::create(&success).map_err(|e| Error::io(&success, e))?;
        sync_dir(destination);
        Ok(())
    })();
    if let Err(e) = moved {
        roll_back_append(destination, &marker)?;
        return Err(e);
    }
    kill_point("append-before-commit");
    std::fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
    sync_dir(destination);
    kill_point("after-append");
    Ok(())
}

/// Remove the files an unfinished append listed in `marker`, then the marker.
fn roll_back_append(destination: &Path, marker: &Path) -> Result<usize> {
    let listing = std::fs::read_to_string(marker).map_err(|e| Error::io(marker, e))?;
    let mut removed = 0;
    for line in listing.lines().filter(|l| !l.is_empty()) {
        let relative = Path::new(line);
        // Only plain relative paths below the destination: the marker is ours, but never trust a
        // file to name `..` or an absolute path.
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let path = destination.join(relative);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                removed += 1;
                // Partition folders the append created and left empty go too.
                let mut folder = path.parent();
                while let Some(dir) = folder {
                    if dir == destination || std::fs::remove_dir(dir).is_err() {
                        break;
                    }
                    folder = dir.parent();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    std::fs::remove_file(marker).map_err(|e| Error::io(marker, e))?;
    sync_dir(destination);
    Ok(removed)
}

/// The job ids of appends in progress (or left by a killed job) in directory `dir`.
pub fn pending_jobs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_prefix(PENDING_PREFIX))
                .map(str::to_string)
        })
        .collect()
}

/// Whether the directory next to `destination` holds commit state of engine jobs (staging,
/// moved-aside output) or `destination` holds append markers.
pub fn has_commit_state(destination: &Path) -> bool {
    let prefix = format!(".{}.engine-", base_name(destination));
    let beside = std::fs::read_dir(parent_of(destination))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        })
        .unwrap_or(false);
    beside || (destination.is_dir() && !pending_jobs(destination).is_empty())
}

/// Bring `destination` back to a committed state after jobs that were killed: roll an
/// interrupted overwrite forward, roll an interrupted append back, and remove the staging and
/// moved-aside directories of jobs that are no longer running. Caller holds the destination lock.
pub fn recover(destination: &Path) -> Result<()> {
    let parent = parent_of(destination);
    let prefix = format!(".{}.engine-", base_name(destination));
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Ok(());
    };
    let mut stale_staging: Vec<(String, PathBuf)> = Vec::new();
    let mut aside: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let path = entry.path();
        if let Some(job) = rest.strip_suffix(".tmp") {
            // A live job holds a flock on its staging directory.
            let alive = match File::open(&path) {
                Ok(handle) => matches!(handle.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
                Err(_) => false,
            };
            if !alive {
                stale_staging.push((job.to_string(), path));
            }
        } else if let Some(job) = rest.strip_suffix(".old") {
            aside.push((job.to_string(), path));
        } else if rest.ends_with(".new") {
            // A job killed between creating its staging directory and locking it (an empty
            // directory). A live job holds it for microseconds, so only an old one goes.
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(60));
            if old {
                let _ = std::fs::remove_dir(&path);
            }
        }
    }
    let shown = destination.display();
    // An overwrite killed between moving the old output aside and moving the new one in.
    if destination.symlink_metadata().is_err() {
        if let Some((job, old)) = aside.first() {
            let staged = stale_staging.iter().find(|(j, _)| j == job).map(|(_, p)| p);
            let new = staged.and_then(|dir| staged_output(dir));
            match new {
                Some(new) => {
                    std::fs::rename(&new, destination).map_err(|e| Error::io(destination, e))?;
                    note(&format!(
                        "{shown}: finished the overwrite of an engine job that was killed while committing"
                    ));
                }
                None => {
                    std::fs::rename(old, destination).map_err(|e| Error::io(destination, e))?;
                    note(&format!(
                        "{shown}: restored the output an interrupted overwrite had moved aside"
                    ));
                }
            }
            sync_dir(&parent);
        }
    }
    for (_, old) in &aside {
        remove_any(old).map_err(|e| Error::io(old, e))?;
    }
    for (job, staging) in &stale_staging {
        remove_any(staging).map_err(|e| Error::io(staging, e))?;
        note(&format!(
            "{shown}: removed the uncommitted files of an engine job that did not finish ({job})"
        ));
    }
    if destination.is_dir() {
        for job in pending_jobs(destination) {
            let marker = destination.join(format!("{PENDING_PREFIX}{job}"));
            let removed = roll_back_append(destination, &marker)?;
            note(&format!(
                "{shown}: rolled back an append that was interrupted while committing (job {job}, {removed} file{} removed)",
                if removed == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(())
}

/// The output staged in a finished job's staging directory: the directory itself (it has
/// `_SUCCESS`), or the one part file of a single-file write.
fn staged_output(staging: &Path) -> Option<PathBuf> {
    if staging.join("_SUCCESS").is_file() {
        return Some(staging.to_path_buf());
    }
    let files: Vec<PathBuf> = std::fs::read_dir(staging)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    match files.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Recover `destination` if it has commit state and no engine job holds its lock: readers call
/// this so that they see committed output only. Errors are reported, not raised (a reader may
/// not be allowed to write there).
pub fn recover_for_reading(destination: &Path) {
    if !has_commit_state(destination) {
        return;
    }
    let Ok(Some(_lock)) = DestinationLock::try_acquire(destination) else {
        return;
    };
    if let Err(e) = recover(destination) {
        note(&format!(
            "{}: could not clean up after an interrupted engine job: {e}",
            destination.display()
        ));
    }
}
