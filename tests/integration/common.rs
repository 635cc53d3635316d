//! Running the `engine` binary and inspecting what it did.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Assert success and return stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "engine failed: {}", self.stderr);
        &self.stdout
    }

    /// Assert failure with `code`, a one-line message on stderr containing each of `parts`, and
    /// no panic.
    #[track_caller]
    pub fn fails(&self, code: i32, parts: &[&str]) {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "panic: {}",
            self.stderr
        );
        for part in parts {
            assert!(
                self.stderr.contains(part),
                "stderr lacks {part:?}: {}",
                self.stderr
            );
        }
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `engine` with `args` in the project directory.
pub fn engine(args: &[&str]) -> Run {
    engine_in(&root(), args)
}

pub fn engine_in(dir: &Path, args: &[&str]) -> Run {
    engine_with_env(dir, args, &[])
}

/// Run `engine` with `args` in `dir`, with these environment variables set.
pub fn engine_with_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .expect("the engine binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Run `engine` with `args` in the project directory, `input` on its stdin.
pub fn engine_stdin(args: &[&str], input: &str) -> Run {
    engine_stdin_bytes(args, input.as_bytes())
}

/// Run `engine` with `args` in the project directory, `input` (any bytes) on its stdin.
pub fn engine_stdin_bytes(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the engine binary runs");
    let mut stdin = child.stdin.take().expect("a piped stdin");
    // The engine may stop reading early (an error); a closed pipe is then not the test's failure.
    let _ = stdin.write_all(input);
    drop(stdin);
    let output = child.wait_with_output().expect("the engine finishes");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The case files `*.ext` in `dir` (relative to the project), sorted; at least `min` of them.
pub fn case_files(dir: &str, ext: &str, min: usize) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    cases.sort();
    assert!(cases.len() >= min, "{dir}: cases are missing");
    cases
}

/// Every golden case passes three ways: the default pool, one thread, and tiny batches and
/// tasks with joins partitioned by key hash instead of broadcast (boundaries everywhere).
pub const VARIANTS: [&[&str]; 3] = [
    &[],
    &["--master", "local[1]"],
    &[
        "--batch-size",
        "3",
        "--max-partition-bytes",
        "4096",
        "--broadcast-rows",
        "0",
    ],
];

pub fn data(name: &str) -> String {
    root()
        .join("data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

pub fn golden(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/golden").join(format!("{name}.out")))
        .expect("golden file")
}

/// Every file under `dir`, relative, sorted (hidden ones included: tests check none are left).
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(
                    path.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

pub fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
