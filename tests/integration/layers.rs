//! The source's shape: top-level modules import only layers below them, and no two source files
//! import each other, directly or round a longer circle. Read from `src/` as text: every
//! `crate::a::b` and `super::x` path (in `use` lines or inline) names the deepest module file
//! it reaches; test modules (`#[cfg(test)] mod tests`) are left out, and so are a mod.rs's
//! `pub use` re-exports (they show a module's parts; a name re-exported there and used by a
//! sibling counts as an import of mod.rs, so siblings should import each other directly).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom up; a module may import only those before it.
const LAYERS: &[&str] = &[
    "error", "types", "memory", "runtime", "progress", "io", "expr", "exec", "plan", "sql", "job",
    "cluster", "cli",
];

/// A module path (`["io", "csv", "reader"]`) and the file that holds it.
fn module_file(root: &Path, path: &[String]) -> Option<PathBuf> {
    if path.is_empty() {
        return Some(root.join("lib.rs"));
    }
    let joined = path.join("/");
    [
        root.join(format!("{joined}.rs")),
        root.join(&joined).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The module path of a file under `root`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The paths a file's text names: `crate::a::b::c` -> [a, b, c]; `super::x` resolved against
/// the file's own module. `use crate::{a::b, c}` groups give one path per member.
fn named_paths(
    text: &str,
    own: &[String],
    is_mod_file: bool,
    children: &[String],
) -> Vec<Vec<String>> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap()
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            // Comments, and a mod.rs's re-exports of its children's items (how a module shows
            // its parts: not an import; its children import each other directly).
            !(l.starts_with("//")
                || (is_mod_file && (l.starts_with("pub use ") || l.starts_with("pub(crate) use "))))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut prefixes: Vec<(String, Vec<String>)> = Vec::new();
    // A mod.rs names its children without a prefix (`functions::call`).
    for child in children {
        prefixes.push((format!("{child}::"), {
            let mut path = own.to_vec();
            path.push(child.clone());
            path
        }));
    }
    for (prefix, base) in prefixes.into_iter().chain([
        ("crate::".to_string(), Vec::new()),
        ("super::".to_string(), {
            // `super` of a.rs or a/mod.rs is a's parent module.
            let mut parent = own.to_vec();
            parent.pop();
            parent
        }),
    ]) {
        let prefix = prefix.as_str();
        let mut from = 0;
        while let Some(at) = code[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            collect_tree(&code[from..], &base, &mut found);
        }
    }
    found
}

/// Paths from a use-tree's text (`a::b::{c, d::e}`, `x`), each prefixed by `base`.
fn collect_tree(text: &str, base: &[String], found: &mut Vec<Vec<String>>) {
    let mut path = base.to_vec();
    let mut rest = text;
    loop {
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ident.is_empty() {
            if ident != "self" {
                path.push(ident.clone());
            }
            rest = &rest[ident.len()..];
            if let Some(next) = rest.strip_prefix("::") {
                rest = next;
                continue;
            }
            found.push(path);
            return;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's members at top-level commas.
            let mut depth = 0;
            let mut member_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        collect_tree(group[member_start..i].trim(), &path, found);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        collect_tree(group[member_start..i].trim(), &path, found);
                        member_start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        if path.len() > base.len() || rest.starts_with('*') {
            found.push(path);
        }
        return;
    }
}

/// The deepest module file a path reaches.
fn resolve(root: &Path, path: &[String]) -> Option<PathBuf> {
    (0..=path.len())
        .rev()
        .find_map(|n| module_file(root, &path[..n]))
}

fn source_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                source_files(&path, files);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn layers_import_downwards_and_files_form_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        if file.ends_with("lib.rs") || file.ends_with("main.rs") {
            continue;
        }
        let own = module_of(&root, file);
        let is_mod_file = file.ends_with("mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        let edges = graph.entry(file.clone()).or_default();
        let children: Vec<String> = if is_mod_file {
            std::fs::read_dir(file.parent().unwrap())
                .unwrap()
                .filter_map(|e| {
                    let path = e.unwrap().path();
                    let name = path.file_stem()?.to_string_lossy().into_owned();
                    (name != "mod" && (path.is_dir() || path.extension()? == "rs")).then_some(name)
                })
                .collect()
        } else {
            Vec::new()
        };
        for path in named_paths(&text, &own, is_mod_file, &children) {
            let Some(target) = resolve(&root, &path) else {
                continue;
            };
            if &target == file || target.ends_with("lib.rs") {
                continue;
            }
            let target_module = module_of(&root, &target);
            let (from, to) = (&own[0], &target_module[0]);
            if from != to {
                let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
                match (rank(from), rank(to)) {
                    (Some(a), Some(b)) if b < a => {}
                    _ => problems.push(format!(
                        "upward or unlisted import: {} names {}",
                        file.strip_prefix(&root).unwrap().display(),
                        path.join("::")
                    )),
                }
            }
            edges.insert(target);
        }
    }
    // Circles: depth-first search for a back edge.
    let mut state: BTreeMap<&PathBuf, u8> = BTreeMap::new();
    fn visit<'a>(
        node: &'a PathBuf,
        graph: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<&'a PathBuf, u8>,
        stack: &mut Vec<&'a PathBuf>,
        problems: &mut Vec<String>,
        root: &Path,
    ) {
        state.insert(node, 1);
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => visit(next, graph, state, stack, problems, root),
                1 => {
                    let at = stack.iter().position(|n| *n == next).unwrap();
                    let circle: Vec<String> = stack[at..]
                        .iter()
                        .chain(std::iter::once(&next))
                        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
                        .collect();
                    problems.push(format!("circle: {}", circle.join(" -> ")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node, 2);
    }
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            visit(
                node,
                &graph,
                &mut state,
                &mut Vec::new(),
                &mut problems,
                &root,
            );
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} layering problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
