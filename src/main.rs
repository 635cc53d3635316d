//! The `engine` binary: parse the command line, run it, and turn an error into one line on
//! stderr and an exit code (0 success, 1 runtime error, 2 usage error, 130 interrupted).

use clap::{CommandFactory, FromArgMatches};

fn main() {
    let parsed = engine::cli::Cli::command()
        .try_get_matches()
        .and_then(|matches| engine::cli::Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // --help and --version print to stdout and succeed; anything else is a usage error,
            // said with the prefix every other error has.
            if e.use_stderr() {
                eprint!("engine: {}", e.render());
                std::process::exit(2);
            }
            let _ = e.print();
            std::process::exit(0);
        }
    };
    engine::error::quiet_panics();
    raise_descriptor_limit();
    engine::memory::tune_allocator();
    // The work runs on a thread with a large stack: expressions are trees, and a generated
    // `IN` list or a chain of thousands of ORs is deep (the stack is reserved, not touched).
    let work = std::thread::Builder::new()
        .name("engine-main".into())
        .stack_size(engine::runtime::STACK_BYTES)
        .spawn(move || {
            engine::error::catch_panic(|| engine::cli::run(cli, &matches), engine::Error::Internal)
        });
    let outcome = match work {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(engine::Error::Internal(engine::error::last_panic()))),
        Err(e) => Err(engine::Error::Internal(format!(
            "cannot start the main thread: {e}"
        ))),
    };
    engine::runtime::remove_left_spill_dirs();
    if let Err(error) = outcome {
        eprintln!("engine: error: {error}");
        std::process::exit(error.exit_code());
    }
}

/// Partitioned writes keep a file open per partition value: allow as many descriptors as the
/// hard limit does (the soft limit is often 1024), as most data tools do.
fn raise_descriptor_limit() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write one rlimit struct we own.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0
                && limit.rlim_cur < limit.rlim_max
            {
                limit.rlim_cur = limit.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    }
}
