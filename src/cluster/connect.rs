//! The Spark Connect route (`--master sc://host:port`, Spark 3.4+): the job's steps as calls of
//! the official Rust client (`apache-spark-connect`), no JVM or Python here. Results come back
//! as Arrow; they cross from the client's arrow version to the engine's as Arrow IPC bytes.
//! The client is synchronous; its errors carry Spark's error class and SQL state.

use std::collections::HashMap;

use spark_connect::{functions::expr, Column, DataFrame, SparkError, SparkSession};

use super::job::{Action, Job, Step, Verb};
use super::results::{rows_from_ipc, schema_from_spark_json, spark_error_from, Outcome, RunInfo};

use super::master::{check_reachable, session_conf};
use crate::error::{Error, Result};

/// A client error as one engine error (Spark's class and SQL state when it gives them).
fn spark_error(error: SparkError) -> Error {
    spark_error_from(
        &error.message(),
        &error.get_error_class().unwrap_or_default(),
        &error.get_sql_state().unwrap_or_default(),
    )
}

fn sort_column(item: &crate::expr::spark_text::SortText) -> Column {
    let column = expr(&item.expr);
    match (item.ascending, item.nulls_first) {
        (true, true) => column.asc_nulls_first(),
        (true, false) => column.asc_nulls_last(),
        (false, true) => column.desc_nulls_first(),
        (false, false) => column.desc_nulls_last(),
    }
}

fn frame<'a>(frames: &'a HashMap<String, DataFrame>, name: &str) -> Result<&'a DataFrame> {
    frames
        .get(name)
        .ok_or_else(|| Error::Internal(format!("no frame {name} in the cluster job")))
}

fn apply(frames: &HashMap<String, DataFrame>, df: &DataFrame, verb: &Verb) -> Result<DataFrame> {
    use spark_connect::plan::JoinType;
    Ok(match verb {
        Verb::Filter(condition) => df.filter(expr(condition)),
        Verb::Select(items) => df.select_expr(items.iter().map(String::as_str).collect()),
        Verb::WithColumn { name, expr: text } => df.with_column(name, expr(text)),
        Verb::Drop(columns) => df.drop(columns.iter().map(String::as_str).collect()),
        Verb::Rename { old, new } => df.with_column_renamed(old, new),
        Verb::Aggregate { keys, aggregates } => {
            let aggregates = aggregates
                .iter()
                .map(|a| expr(a).expression().clone())
                .collect();
            if keys.is_empty() {
                df.agg(aggregates)
            } else {
                df.group_by(keys.iter().map(|k| expr(k)).collect::<Vec<_>>())
                    .agg(aggregates)
            }
        }
        Verb::Join {
            right,
            using,
            condition,
            how,
        } => {
            let right = frame(frames, right)?;
            let how = match how.as_str() {
                "inner" => JoinType::Inner,
                "left" => JoinType::LeftOuter,
                "right" => JoinType::RightOuter,
                "full" => JoinType::FullOuter,
                "left_semi" => JoinType::LeftSemi,
                "left_anti" => JoinType::LeftAnti,
                other => return Err(Error::Internal(format!("join type {other}"))),
            };
            match (using, condition) {
                (Some(names), _) => df.join_using(right, names.clone(), how),
                (None, Some(condition)) => df.join(right, Some(expr(condition)), how),
                (None, None) => return Err(Error::Internal("a join without a condition".into())),
            }
        }
        Verb::Union { other, by_name } => {
            let other = frame(frames, other)?;
            if *by_name {
                df.union_by_name(other)
            } else {
                df.union(other)
            }
        }
        Verb::Distinct => df.distinct(),
        Verb::OrderBy(items) => df.order_by(
            items
                .iter()
                .map(|i| sort_column(i).expression().clone())
                .collect(),
        ),
        Verb::Limit(n) => df.limit(i32::try_from(*n).unwrap_or(i32::MAX)),
    })
}

/// Spark's schema of a frame, as the engine's Arrow schema.
fn schema_of(df: &DataFrame) -> Result<arrow::datatypes::SchemaRef> {
    let schema = df.schema().map_err(spark_error)?;
    let value: serde_json::Value = serde_json::from_str(&schema.json())
        .map_err(|e| Error::Internal(format!("Spark's schema is not JSON: {e}")))?;
    schema_from_spark_json(&value)
}

/// Spark's plan of a frame, as `df.explain()` prints it: the client only prints it, so it is
/// asked for through SQL's EXPLAIN over the frame as a view.
fn explain(spark: &SparkSession, df: &DataFrame) -> Result<String> {
    df.create_or_replace_temp_view("engine_explained")
        .map_err(spark_error)?;
    let plan = spark
        .sql("EXPLAIN SELECT * FROM engine_explained")
        .map_err(spark_error)?;
    let schema = schema_of(&plan)?;
    let rows = rows_from_ipc(&plan.to_arrow().map_err(spark_error)?, &schema)?;
    let text = rows
        .first()
        .and_then(|batch| {
            batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
                .filter(|column| arrow::array::Array::len(*column) > 0)
                .map(|column| column.value(0).to_string())
        })
        .unwrap_or_default();
    Ok(text)
}

fn act(spark: &SparkSession, df: &DataFrame, action: &Action) -> Result<Outcome> {
    Ok(match action {
        Action::Collect { limit } => {
            let df = match limit {
                Some(n) => df.limit(i32::try_from(*n).unwrap_or(i32::MAX)),
                None => df.clone(),
            };
            let schema = schema_of(&df)?;
            // The client's arrow is not the engine's: the rows cross as IPC bytes.
            let bytes = df.to_arrow().map_err(spark_error)?;
            let batches = rows_from_ipc(&bytes, &schema)?;
            Outcome::Rows { schema, batches }
        }
        Action::Count => Outcome::Count(df.count().map_err(spark_error)?.max(0) as u64),
        Action::Schema => Outcome::Schema(schema_of(df)?),
        Action::Explain => Outcome::Plan(explain(spark, df)?),
        Action::Write(w) => {
            let mut df = df.clone();
            if let Some(n) = w.repartition {
                df = df.repartition(i32::try_from(n).unwrap_or(i32::MAX));
            } else if let Some(n) = w.coalesce {
                df = df.coalesce(i32::try_from(n).unwrap_or(i32::MAX));
            }
            let mut writer = df.write().format(w.format).mode(w.mode);
            for (key, value) in &w.options {
                writer = writer.option(key, value);
            }
            if !w.partition_by.is_empty() {
                writer = writer.partition_by(w.partition_by.clone());
            }
            writer.save(Some(&w.path)).map_err(spark_error)?;
            Outcome::Written
        }
    })
}

pub fn run(url: &str, conf: &[(String, String)], job: &Job) -> Result<(Vec<Outcome>, RunInfo)> {
    check_reachable(url, 15002)?;
    // The client's calls block until Spark answers; nothing here needs cleaning up.
    crate::runtime::exit_at_first_interrupt();
    let spark = SparkSession::builder()
        .remote(url)
        .get_or_create()
        .map_err(|e| {
            Error::Dataset(format!(
                "cannot reach Spark Connect at {url}: {}",
                e.message()
            ))
        })?;
    let runtime = spark.conf();
    for (key, value) in session_conf().iter().chain(conf) {
        runtime.set(key, value).map_err(spark_error)?;
    }
    let info = RunInfo {
        app_id: runtime
            .get("spark.app.id")
            .map_err(spark_error)?
            .unwrap_or_default(),
        master: url.to_string(),
        version: spark.version().map_err(spark_error)?,
    };
    let mut frames: HashMap<String, DataFrame> = HashMap::new();
    let mut outcomes = Vec::new();
    for step in &job.steps {
        crate::runtime::check_cancelled()?;
        match step {
            Step::Read {
                name,
                format,
                paths,
                options,
                schema,
                alias,
                view,
            } => {
                // The client loads one path at a time: several inputs are read as one by union.
                let mut df: Option<DataFrame> = None;
                for path in paths {
                    let mut reader = spark.read().format(format);
                    for (key, value) in options {
                        reader = reader.option(key, value);
                    }
                    if let Some(schema) = schema {
                        reader = reader.schema(schema.clone());
                    }
                    let one = reader.load(Some(path));
                    df = Some(match df {
                        Some(all) => all.union_by_name(&one),
                        None => one,
                    });
                }
                let mut df =
                    df.ok_or_else(|| Error::usage("a view USING ... needs OPTIONS (path '...')"))?;
                if let Some(alias) = alias {
                    df = df.alias(alias);
                }
                if let Some(view) = view {
                    df.create_or_replace_temp_view(view).map_err(spark_error)?;
                }
                frames.insert(name.clone(), df);
            }
            Step::Statement(text) => {
                // The client's sql() is lazy: an action makes the statement run.
                spark
                    .sql(text)
                    .map_err(spark_error)?
                    .collect()
                    .map_err(spark_error)?;
            }
            Step::Query { name, text } => {
                frames.insert(name.clone(), spark.sql(text).map_err(spark_error)?);
            }
            Step::Verb { name, input, verb } => {
                let df = apply(&frames, frame(&frames, input)?, verb)?;
                frames.insert(name.clone(), df);
            }
            Step::Action {
                frame: name,
                action,
            } => {
                outcomes.push(act(&spark, frame(&frames, name)?, action)?);
            }
        }
    }
    Ok((outcomes, info))
}
