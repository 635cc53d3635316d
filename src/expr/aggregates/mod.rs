//! Aggregate functions, one registry entry each (`signature::AggregateFunction`: names and
//! aliases, Spark's column name, binding with its accumulators), grouped by family. Nulls are
//! skipped; an empty group gives null (0 for count).

pub mod accumulator;
pub mod collect;
pub mod count;
pub mod distinct;
pub mod moments;
pub mod percentile;
pub mod pick;
pub mod signature;
pub mod sum;

use signature::AggregateFunction;

const FAMILIES: &[&[AggregateFunction]] = &[
    count::FUNCTIONS,
    sum::FUNCTIONS,
    moments::FUNCTIONS,
    pick::FUNCTIONS,
    percentile::FUNCTIONS,
    collect::FUNCTIONS,
];

/// The aggregate a name (or alias, any case) calls.
pub fn lookup(name: &str) -> Option<&'static AggregateFunction> {
    let name = name.to_ascii_lowercase();
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|function| function.names.contains(&name.as_str()))
}

/// Every name and alias, each with Spark's name of its function, for listing.
pub fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .flat_map(|function| function.names.iter().map(|n| (*n, function.names[0])))
}
