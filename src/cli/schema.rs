//! `engine schema`: Spark's `df.printSchema()`, or with `--ddl` Spark's `schema.toDDL` (the form
//! `--schema` takes, to freeze inferred types into a script). CSV types are inferred from every
//! row.

use crate::error::Result;
use crate::io::dataset::{Dataset, Depth};
use crate::io::show::tree_string;

use super::args::{input_paths, FormatArg, ParseModeArg, ReadArgs};
use crate::job::stdout::print;
use crate::job::Reporter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories of part files, or globs (`{a,b}` alternatives too), read as one
    /// input ('-': standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Deprecated: --input-format.
    #[arg(long, value_enum, hide = true)]
    pub format: Option<FormatArg>,
    /// Deprecated: --parse-mode.
    #[arg(long, value_enum, hide = true)]
    pub mode: Option<ParseModeArg>,
    /// Print the schema as DDL (`a INT,b STRING`), the form --schema takes, as Spark's
    /// schema.toDDL does.
    #[arg(long, conflicts_with = "json")]
    pub ddl: bool,
    /// Print the schema as JSON, as Spark's schema.json() does (--schema takes it too).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let mut args = args;
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let read = args.read.to_options()?;
    let progress = context.progress("inferring schema");
    let dataset = Dataset::open_all(&input_paths(&args.inputs), &read, Depth::Full, &progress)?;
    progress.finish();
    let mut text = if args.ddl {
        crate::types::names::schema_ddl(&dataset.schema)
    } else if args.json {
        json_string(&dataset.schema)
    } else {
        tree_string(&dataset.schema)
    };
    text.push('\n');
    print(&text)
}

/// Spark's `StructType.json`: compact, fields in order, Spark's JSON type names.
fn json_string(schema: &arrow::datatypes::Schema) -> String {
    let fields: Vec<serde_json::Value> = schema
        .fields()
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name(),
                "type": json_type(f.data_type()),
                "nullable": f.is_nullable(),
                "metadata": {},
            })
        })
        .collect();
    serde_json::json!({"type": "struct", "fields": fields}).to_string()
}

/// A type in Spark's JSON form: a name for atomic types, an object for nested ones.
fn json_type(data_type: &arrow::datatypes::DataType) -> serde_json::Value {
    use arrow::datatypes::DataType;
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => serde_json::json!({
            "type": "array",
            "elementType": json_type(item.data_type()),
            "containsNull": item.is_nullable(),
        }),
        DataType::Struct(fields) => serde_json::json!({
            "type": "struct",
            "fields": fields.iter().map(|f| serde_json::json!({
                "name": f.name(),
                "type": json_type(f.data_type()),
                "nullable": f.is_nullable(),
                "metadata": {},
            })).collect::<Vec<_>>(),
        }),
        other => serde_json::Value::String(crate::types::names::spark_type_name(other)),
    }
}

/// `schema` on a Spark cluster: the schema Spark reads (for CSV, the engine's inferred types,
/// sent to Spark as the read schema), printed here.
pub fn run_on_cluster(
    args: Args,
    cluster: &crate::cluster::Cluster,
    context: &Reporter,
) -> Result<()> {
    use crate::cluster::{job::Action, results::Outcome, translate};
    let mut args = args;
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let read = args.read.to_options()?;
    let (mut job, frame) = translate::input_job(
        format!("engine schema {}", args.inputs.join(" ")),
        &args.inputs,
        &read,
        &cluster.master,
        context,
    )?;
    job.action(&frame, Action::Schema);
    let schema = match cluster.run(&job, context)?.as_slice() {
        [Outcome::Schema(schema)] => schema.clone(),
        other => {
            return Err(crate::error::Error::Internal(format!(
                "schema got {other:?} from the cluster"
            )))
        }
    };
    let mut text = if args.ddl {
        crate::types::names::schema_ddl(&schema)
    } else if args.json {
        json_string(&schema)
    } else {
        tree_string(&schema)
    };
    text.push('\n');
    print(&text)
}
