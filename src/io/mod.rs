//! Input and output: datasets (discovery, CSV and Parquet reading), the Spark-layout writer,
//! and the text forms of results (`show`, `printSchema`, CSV cells).

pub mod commit;
pub mod csv;
pub mod dataset;
pub mod parquet;
pub mod parquet_check;
pub mod partition;
pub mod read_ahead;
pub mod regroup;
pub mod show;
pub mod spill;
pub mod text_out;
pub mod writer;
