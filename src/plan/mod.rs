//! The logical plan: a tree of relational operators whose expressions are bound (columns are
//! positions in the child's output). `Frame` pairs a plan with the scope its output is seen
//! through and offers the DataFrame operations the query verbs and the SQL front end build on.
//! `optimize` rewrites the tree (pushdowns); `explain` prints it.

pub mod build;
pub mod explain;
pub mod inputs;
pub mod optimize;
pub mod run;

use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};

use crate::expr::aggregates::signature::AggCall;
use crate::expr::Bound;
use crate::io::dataset::Dataset;

pub use crate::exec::join::JoinType;
pub use crate::exec::late::TopN;
pub use crate::exec::sort::SortKey;
pub use crate::exec::window::{FrameEdge, FrameSpec, WindowExpr, WindowFunc};
pub use build::Frame;

/// Reading a dataset: which of its columns, the filters applied while reading (also used to
/// skip Parquet row groups and partition directories), and an optional row limit.
#[derive(Clone)]
pub struct Scan {
    pub dataset: Arc<Dataset>,
    /// Positions in the dataset's schema, in output order.
    pub columns: Vec<usize>,
    /// Predicates over the dataset's full schema.
    pub filters: Vec<Bound>,
    pub limit: Option<usize>,
    /// A top-N sort above keeps only these first rows: each piece of a Parquet file hands on
    /// only its own, reading the key columns first and the rest for those rows alone.
    pub top_n: Option<TopN>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("input", &self.dataset.input)
            .field("columns", &self.columns)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub enum Plan {
    Scan(Scan),
    /// One row of no columns: what a SELECT without FROM reads (Spark's OneRowRelation).
    OneRow,
    /// Spark's `range(start, end, step)`: the bigint `id`s start, start + step, ... short of end.
    Range {
        start: i64,
        end: i64,
        step: i64,
    },
    Filter {
        input: Box<Plan>,
        predicate: Bound,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Bound>,
        schema: SchemaRef,
    },
    /// Output: the keys, then the aggregates.
    Aggregate {
        input: Box<Plan>,
        keys: Vec<Bound>,
        aggs: Vec<AggCall>,
        schema: SchemaRef,
    },
    /// Output: left columns then right columns (left only for semi / anti), or with `output`,
    /// only those columns of that concatenation, in that order (the optimizer leaves out the
    /// columns nothing above reads, such as keys, so they are never gathered). `residual` is
    /// over the whole concatenation (always both sides, even for semi / anti).
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        how: JoinType,
        left_keys: Vec<Bound>,
        right_keys: Vec<Bound>,
        residual: Option<Bound>,
        output: Option<Vec<usize>>,
        schema: SchemaRef,
    },
    /// Inputs of identical column types, concatenated.
    Union {
        inputs: Vec<Plan>,
        schema: SchemaRef,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
        limit: Option<usize>,
    },
    /// The first `n` rows of the input, less the first `skip` of them (LIMIT n - skip
    /// OFFSET skip).
    Limit {
        input: Box<Plan>,
        n: usize,
        skip: usize,
    },
    /// Output: the input's columns, then one column per window function.
    Window {
        input: Box<Plan>,
        functions: Vec<WindowExpr>,
        schema: SchemaRef,
    },
    /// explode / posexplode: each input row once per element of `array` (output: the input's
    /// columns, the position when `position`, the element); with `outer`, a row whose array is
    /// null or empty comes out once, with nulls.
    Generate {
        input: Box<Plan>,
        array: Bound,
        position: bool,
        outer: bool,
        schema: SchemaRef,
    },
}

impl Plan {
    pub fn schema(&self) -> SchemaRef {
        match self {
            Plan::Scan(scan) => {
                let fields: Vec<Field> = scan
                    .columns
                    .iter()
                    .map(|&i| scan.dataset.schema.field(i).clone())
                    .collect();
                Arc::new(Schema::new(fields))
            }
            Plan::OneRow => Arc::new(Schema::empty()),
            Plan::Range { .. } => Arc::new(Schema::new(vec![Field::new(
                "id",
                arrow::datatypes::DataType::Int64,
                false,
            )])),
            Plan::Filter { input, .. } | Plan::Sort { input, .. } | Plan::Limit { input, .. } => {
                input.schema()
            }
            Plan::Project { schema, .. }
            | Plan::Aggregate { schema, .. }
            | Plan::Join { schema, .. }
            | Plan::Window { schema, .. }
            | Plan::Generate { schema, .. }
            | Plan::Union { schema, .. } => schema.clone(),
        }
    }

    pub fn children(&self) -> Vec<&Plan> {
        match self {
            Plan::Scan(_) | Plan::OneRow | Plan::Range { .. } => vec![],
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Window { input, .. }
            | Plan::Generate { input, .. } => vec![input],
            Plan::Join { left, right, .. } => vec![left, right],
            Plan::Union { inputs, .. } => inputs.iter().collect(),
        }
    }

    /// The plan with each child replaced by `f(child)`, the operator itself unchanged: the one
    /// place that takes every variant apart for a pass that rewrites children.
    pub fn map_children(self, mut f: impl FnMut(Plan) -> Plan) -> Plan {
        match self {
            Plan::Scan(_) | Plan::OneRow | Plan::Range { .. } => self,
            Plan::Filter { input, predicate } => Plan::Filter {
                input: Box::new(f(*input)),
                predicate,
            },
            Plan::Project {
                input,
                exprs,
                schema,
            } => Plan::Project {
                input: Box::new(f(*input)),
                exprs,
                schema,
            },
            Plan::Aggregate {
                input,
                keys,
                aggs,
                schema,
            } => Plan::Aggregate {
                input: Box::new(f(*input)),
                keys,
                aggs,
                schema,
            },
            Plan::Join {
                left,
                right,
                how,
                left_keys,
                right_keys,
                residual,
                output,
                schema,
            } => Plan::Join {
                left: Box::new(f(*left)),
                right: Box::new(f(*right)),
                how,
                left_keys,
                right_keys,
                residual,
                output,
                schema,
            },
            Plan::Union { inputs, schema } => Plan::Union {
                inputs: inputs.into_iter().map(&mut f).collect(),
                schema,
            },
            Plan::Sort { input, keys, limit } => Plan::Sort {
                input: Box::new(f(*input)),
                keys,
                limit,
            },
            Plan::Limit { input, n, skip } => Plan::Limit {
                input: Box::new(f(*input)),
                n,
                skip,
            },
            Plan::Window {
                input,
                functions,
                schema,
            } => Plan::Window {
                input: Box::new(f(*input)),
                functions,
                schema,
            },
            Plan::Generate {
                input,
                array,
                position,
                outer,
                schema,
            } => Plan::Generate {
                input: Box::new(f(*input)),
                array,
                position,
                outer,
                schema,
            },
        }
    }

    /// The first CSV input (file and column) whose types came from a sample and whose values
    /// this plan reads but has not all checked against them (see `csv::SampledTypes`): until
    /// there is none, the plan's result may differ from Spark's, typed from every row.
    pub fn unchecked_sample(&self) -> Option<(std::path::PathBuf, String)> {
        if let Plan::Scan(scan) = self {
            let read = crate::exec::partitions::scan_read_columns(&scan.columns, &scan.filters);
            if let Some((path, column)) = scan.dataset.unchecked_sample(&read) {
                return Some((path.to_path_buf(), column));
            }
        }
        self.children()
            .into_iter()
            .find_map(|child| child.unchecked_sample())
    }

    /// Every dataset this plan reads.
    pub fn datasets(&self, out: &mut Vec<Arc<Dataset>>) {
        if let Plan::Scan(scan) = self {
            out.push(scan.dataset.clone());
        }
        for child in self.children() {
            child.datasets(out);
        }
    }
}
