//! CSV input: Spark's read options, type inference, the record-boundary scan that lets tasks
//! read byte ranges in parallel, and the batch reader.

mod fields;
mod infer;
mod layout;
mod options;
mod reader;
mod sampled;
mod source;

pub use infer::{classify, classify_partition_value, Inferred};
pub use layout::{infer_prefix, read_header, scan_file, Block, FileScan, HeaderInfo};
pub use options::{parse_char_option, CsvOptions, ParseMode};
pub use reader::{CsvBatchReader, RecordRange, RowFilter, RowPredicate};
pub use sampled::SampledTypes;
pub use source::open_stream;
