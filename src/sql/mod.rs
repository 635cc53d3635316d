//! SQL text: parsed with sqlparser (Hive dialect, closest to Spark SQL's).

pub mod ddl;
pub mod select;
pub mod session;
pub mod statements;
