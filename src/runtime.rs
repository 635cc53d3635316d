//! The runtime, on the ground floor: the one rayon pool (sized by `--master`), the threads'
//! stacks, and cancellation (Ctrl-C). Every parallel loop in the engine, in io, exec or the
//! job layer, runs on this pool and checks cancellation here; nothing creates another pool.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// How many worker threads `--master` asks for.
///
/// Accepts Spark's local forms: `local` (1 thread), `local[N]`, `local[*]` (all cores) and
/// `local[N,F]` (F, the task retry count, has no meaning here and is ignored).
pub fn parse_master(master: &str) -> Result<usize> {
    let bad = || {
        Error::usage(format!(
            "invalid --master '{master}': engine runs on one machine, use local, local[N] or local[*]"
        ))
    };
    let master = master.trim();
    if master == "local" {
        return Ok(1);
    }
    let inner = master
        .strip_prefix("local[")
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(bad)?;
    let threads = inner.split(',').next().unwrap_or_default().trim();
    if threads == "*" {
        return Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1));
    }
    match threads.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(bad()),
    }
}

/// Stack of the main and worker threads: address space reserved, touched only as deep as an
/// expression tree goes.
pub const STACK_BYTES: usize = 64 << 20;

/// Stack of the pool's workers: they evaluate bound expressions, whose long AND/OR chains and
/// IN lists are balanced trees, so less is needed than on the main thread (which parses).
pub const WORKER_STACK_BYTES: usize = 16 << 20;

/// Build the global rayon pool. Called once by `main`; every `par_iter` in the engine uses it.
pub fn init_pool(threads: usize) -> Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("engine-worker-{i}"))
        .stack_size(WORKER_STACK_BYTES)
        .build_global()
        .map_err(|e| Error::usage(format!("cannot start {threads} worker threads: {e}")))
}

/// Number of threads in the pool: the parallelism the planner splits work for.
pub fn parallelism() -> usize {
    rayon::current_num_threads()
}

static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Set while the process waits on a call it cannot break off and owns no output to clean up
/// (a Spark Connect request): then the first Ctrl-C exits.
static EXIT_AT_FIRST_INTERRUPT: AtomicBool = AtomicBool::new(false);

/// From now on the first Ctrl-C (or SIGTERM) exits at once, with the interrupted exit code.
pub fn exit_at_first_interrupt() {
    EXIT_AT_FIRST_INTERRUPT.store(true, Ordering::SeqCst);
}

/// Directories to remove if a second Ctrl-C stops the process at once (spill files).
static REMOVE_AT_FORCED_EXIT: std::sync::Mutex<Vec<std::path::PathBuf>> =
    std::sync::Mutex::new(Vec::new());

/// Remove `dir` if the process is stopped at once (its owner removes it otherwise).
pub fn remove_at_forced_exit(dir: &std::path::Path) {
    if let Ok(mut dirs) = REMOVE_AT_FORCED_EXIT.lock() {
        dirs.push(dir.to_path_buf());
    }
}

/// `dir` was removed by its owner.
pub fn forget_forced_exit_removal(dir: &std::path::Path) {
    if let Ok(mut dirs) = REMOVE_AT_FORCED_EXIT.lock() {
        dirs.retain(|d| d != dir);
    }
}

/// Remove the spill directories still registered: at a forced exit, and when the command is
/// done (a pool task may still hold a stream whose directory it would drop, after a reader
/// closed the pipe or a job failed, and the process does not wait for it).
pub fn remove_left_spill_dirs() {
    SPILLS_CLOSED.store(true, Ordering::SeqCst);
    if let Ok(mut dirs) = REMOVE_AT_FORCED_EXIT.try_lock() {
        for dir in dirs.drain(..) {
            // A task that checked just before the close may still make one file: again.
            for _ in 0..20 {
                let _ = std::fs::remove_dir_all(&dir);
                if !dir.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
}

/// Set once the command is done and its spill directories go: a pool task still at work
/// (splitting a spill partition again for a reader that has gone) must not make a file in a
/// directory being removed, and leave it behind.
static SPILLS_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether spill files may no longer be made.
pub fn spills_closed() -> bool {
    SPILLS_CLOSED.load(Ordering::SeqCst)
}

fn exit_interrupted(message: &str) -> ! {
    eprintln!("engine: error: {message}");
    remove_left_spill_dirs();
    std::process::exit(130);
}

/// Install the Ctrl-C / SIGTERM handler: tasks notice the flag and fail with
/// `Error::Interrupted`, so the writer's cleanup runs and no partial output is committed. A
/// second Ctrl-C exits at once: output is only ever staged in hidden directories, which the
/// next run against the same destination removes, so nothing partial becomes visible.
pub fn install_interrupt_handler() {
    // A second handler cannot be installed (tests may call this twice); that is harmless.
    let _ = ctrlc::set_handler(|| {
        if CANCELLED.swap(true, Ordering::SeqCst) {
            exit_interrupted("interrupted twice; stopped at once");
        }
        if EXIT_AT_FIRST_INTERRUPT.load(Ordering::SeqCst) {
            exit_interrupted("interrupted");
        }
    });
}

/// Fail with `Error::Interrupted` if the user asked to stop.
pub fn check_cancelled() -> Result<()> {
    if CANCELLED.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_forms() {
        assert_eq!(parse_master("local").unwrap(), 1);
        assert_eq!(parse_master("local[3]").unwrap(), 3);
        assert_eq!(parse_master("local[2,4]").unwrap(), 2);
        assert!(parse_master("local[*]").unwrap() >= 1);
        for bad in [
            "local[0]",
            "local[x]",
            "yarn",
            "spark://h:7077",
            "local[",
            "",
        ] {
            assert_eq!(parse_master(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
