//! SQL text: parsed with sqlparser (Hive dialect, closest to Spark SQL's).

pub mod ctes;
pub mod ddl;
pub mod pivot;
pub mod select;
pub mod session;
pub mod statements;
pub mod walk;
