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
            // --help and --version print to stdout and succeed; anything else is a usage error.
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if let Err(error) = engine::cli::run(cli, &matches) {
        eprintln!("engine: error: {error}");
        std::process::exit(error.exit_code());
    }
}
