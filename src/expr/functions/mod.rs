//! Scalar functions, one registry entry each (`signature::ScalarFunction`: names and aliases,
//! Spark's column name, binding with its kernel), grouped by family. Adding a function is one
//! entry and its binding in its family's file.

mod arrays;
pub mod collections;
pub mod comparison;
pub mod datetime;
pub mod hashing;
pub mod math;
pub mod regex;
pub mod signature;
pub mod string;
pub mod text;
pub mod types;

use signature::ScalarFunction;

/// Every family's functions.
const FAMILIES: &[&[ScalarFunction]] = &[
    datetime::FUNCTIONS,
    math::FUNCTIONS,
    string::FUNCTIONS,
    text::FUNCTIONS,
    regex::FUNCTIONS,
    comparison::FUNCTIONS,
    types::FUNCTIONS,
    collections::FUNCTIONS,
    hashing::FUNCTIONS,
];

/// The function a name (or alias, any case) calls.
pub fn lookup(name: &str) -> Option<&'static ScalarFunction> {
    let name = name.to_ascii_lowercase();
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|function| function.names.contains(&name.as_str()))
}

/// Every name and alias, each with Spark's name of its function, for listing (not the
/// internal `[]` and `.` that `a[i]` and `s.x` call).
pub fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .flat_map(|function| function.names.iter().map(|n| (*n, function.names[0])))
        .filter(|(n, _)| n.starts_with(|c: char| c.is_ascii_alphabetic()))
}
