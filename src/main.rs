//! The `engine` binary: parse the command line, run it, and turn an error into one line on
//! stderr and an exit code (0 success, 1 runtime error, 2 usage error, 130 interrupted).

use clap::Parser;

fn main() {
    let cli = match engine::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; anything else is a usage error.
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if let Err(error) = engine::cli::run(cli) {
        eprintln!("engine: error: {error}");
        std::process::exit(error.exit_code());
    }
}
