//! A SQL session over one script: the views the command line names (`--table NAME=INPUT`),
//! the views its setup statements create (`CREATE TEMP VIEW v AS SELECT`, `CREATE TEMP VIEW v
//! USING csv OPTIONS (...)`), and the plan of its final statement.

use std::collections::HashMap;

use sqlparser::ast;

use super::select::{name_columns, plan_query, Catalog};
use super::statements::Statement;
use crate::error::{Error, Result};
use crate::io::csv::{parse_char_option, ParseMode};
use crate::io::dataset::{Dataset, Format};
use crate::plan::inputs::Inputs;
use crate::plan::Frame;
use crate::types::datetime_pattern::DateTimePattern;

/// What a script's last statement asks for.
pub enum FinalStatement<'a> {
    /// A query whose result goes to the command's sink.
    Query(&'a ast::Query),
    /// `INSERT OVERWRITE DIRECTORY 'path' [USING format] SELECT ...`.
    InsertDirectory {
        path: &'a str,
        format: Option<&'a str>,
        query: &'a ast::Query,
    },
}

/// A script's setup statements and its final statement (which must be a query or INSERT
/// OVERWRITE DIRECTORY).
pub fn split_script(statements: &[Statement]) -> Result<(&[Statement], FinalStatement<'_>)> {
    let Some((last, setup)) = statements.split_last() else {
        return Err(Error::usage("no SQL statement given"));
    };
    let last =
        match last {
            Statement::Sql(ast::Statement::Query(q)) => FinalStatement::Query(q.as_ref()),
            Statement::InsertDirectory {
                path,
                format,
                query,
            } => FinalStatement::InsertDirectory {
                path,
                format: format.as_deref(),
                query: query.as_ref(),
            },
            Statement::Sql(other) => {
                return Err(Error::usage(format!(
                    "the last statement must be a query or INSERT OVERWRITE DIRECTORY, not: {}",
                    first_words(other)
                )))
            }
            Statement::ViewUsing { .. } => return Err(Error::usage(
                "the last statement must be a query or INSERT OVERWRITE DIRECTORY, not CREATE VIEW",
            )),
        };
    Ok((setup, last))
}

/// Plan `final_query` after registering `tables` (NAME, INPUT) and running the `setup`
/// statements, opening inputs through `inputs`.
pub fn plan_script(
    tables: &[(String, String)],
    setup: &[Statement],
    final_query: &ast::Query,
    inputs: &Inputs,
) -> Result<Frame> {
    let open = |path: &str, format: Option<&str>| -> Result<Frame> {
        let mut read = inputs.read.clone();
        if let Some(f) = format {
            read.format = Some(if f.eq_ignore_ascii_case("parquet") {
                Format::Parquet
            } else {
                Format::Csv
            });
        }
        let dataset = Dataset::open(path, &read, inputs.depth, inputs.progress)?;
        Ok(Frame::scan(std::sync::Arc::new(dataset), None))
    };
    let mut catalog = Catalog {
        views: HashMap::new(),
        open: &open,
    };
    for (name, path) in tables {
        let frame = inputs.frame(path)?.alias(name);
        catalog.views.insert(name.to_ascii_lowercase(), frame);
    }
    for statement in setup {
        match statement {
            Statement::Sql(s) => run_setup(s, &mut catalog)?,
            Statement::InsertDirectory { .. } => {
                return Err(Error::usage(
                    "INSERT OVERWRITE DIRECTORY must be the last statement",
                ))
            }
            Statement::ViewUsing {
                name,
                or_replace,
                format,
                options,
            } => {
                let key = name.to_ascii_lowercase();
                if catalog.views.contains_key(&key) && !or_replace {
                    return Err(Error::usage(format!(
                        "view {name} already exists; use CREATE OR REPLACE TEMP VIEW"
                    )));
                }
                let frame = view_using(format, options, inputs)?.alias(name);
                catalog.views.insert(key, frame);
            }
        }
    }
    plan_query(final_query, &catalog)
}

/// `CREATE TEMP VIEW v USING csv OPTIONS (path '...', header 'true', ...)`: Spark's data source
/// options, with Spark's defaults for this form (no header, no inference, unless asked).
fn view_using(format: &str, options: &[(String, String)], inputs: &Inputs) -> Result<Frame> {
    let mut read = inputs.read.clone();
    read.format = Some(match format {
        "csv" => Format::Csv,
        "parquet" => Format::Parquet,
        other => {
            return Err(Error::usage(format!(
                "USING {other}: expected csv or parquet"
            )))
        }
    });
    read.csv.header = false;
    read.csv.infer = false;
    let mut path = None;
    let flag = |key: &str, value: &str| -> Result<bool> {
        match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::usage(format!(
                "option {key} '{value}': expected true or false"
            ))),
        }
    };
    for (key, value) in options {
        match key.as_str() {
            "path" => path = Some(value.clone()),
            "header" => read.csv.header = flag(key, value)?,
            "inferschema" => read.csv.infer = flag(key, value)?,
            "sep" | "delimiter" => read.csv.delimiter = parse_char_option(key, value)?,
            "quote" => read.csv.quote = parse_char_option(key, value)?,
            "escape" => read.csv.escape = Some(parse_char_option(key, value)?),
            "nullvalue" => read.csv.null_value = value.clone(),
            // Quoted line breaks are always read as part of the field (multiLine=true).
            "multiline" => {
                if !flag(key, value)? {
                    return Err(Error::usage(
                        "option multiLine 'false' is not supported: the engine always reads a \
                         quoted line break as part of its field (Spark's multiLine 'true')",
                    ));
                }
            }
            "timestampformat" => {
                read.csv.timestamp_format = Some(
                    DateTimePattern::for_parsing(value)
                        .map_err(|e| Error::usage(format!("option timestampFormat: {}", e)))?,
                )
            }
            "mode" => {
                read.csv.mode = ParseMode::from_name(value).ok_or_else(|| {
                    Error::usage(format!(
                        "option mode '{value}': expected permissive, dropmalformed or failfast"
                    ))
                })?
            }
            other => {
                return Err(Error::usage(format!(
                    "unsupported option '{other}' for USING {format}"
                )))
            }
        }
    }
    let path =
        path.ok_or_else(|| Error::usage("CREATE TEMP VIEW ... USING needs OPTIONS (path '...')"))?;
    let dataset = Dataset::open(&path, &read, inputs.depth, inputs.progress)?;
    Ok(Frame::scan(std::sync::Arc::new(dataset), None))
}

fn first_words(statement: &ast::Statement) -> String {
    statement
        .to_string()
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A statement before the last: a temp view.
fn run_setup(statement: &ast::Statement, catalog: &mut Catalog) -> Result<()> {
    match statement {
        ast::Statement::CreateView(view) => {
            // Every part of the statement is named: what the engine cannot honour is refused.
            let ast::CreateView {
                or_alter,
                or_replace,
                materialized,
                secure,
                name,
                name_before_not_exists: _,
                columns,
                query,
                options,
                cluster_by,
                comment: _,
                with_no_schema_binding: _,
                if_not_exists,
                // A view lives as long as the job, temporary or not.
                temporary,
                copy_grants: _,
                to,
                params,
            } = view;
            if *or_alter
                || *materialized
                || *secure
                || !cluster_by.is_empty()
                || to.is_some()
                || params.is_some()
                || !matches!(options, ast::CreateTableOptions::None)
            {
                return Err(Error::usage(format!(
                    "unsupported in CREATE VIEW: {}",
                    first_words(statement)
                )));
            }
            if *if_not_exists && *temporary {
                return Err(Error::usage(
                    "a TEMPORARY view cannot be defined with IF NOT EXISTS (as in Spark)",
                ));
            }
            let name = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone())
                .unwrap_or_default();
            let key = name.to_ascii_lowercase();
            if catalog.views.contains_key(&key) {
                if *if_not_exists {
                    return Ok(());
                }
                if !or_replace {
                    return Err(Error::usage(format!(
                        "view {name} already exists; use CREATE OR REPLACE TEMP VIEW"
                    )));
                }
            }
            // `CREATE VIEW v (a, b) AS ...` names the view's columns (names only).
            if let Some(typed) = columns
                .iter()
                .find(|c| c.data_type.is_some() || c.options.is_some())
            {
                return Err(Error::usage(format!(
                    "view {name}: column {} takes a name only",
                    typed.name
                )));
            }
            let names: Vec<&str> = columns.iter().map(|c| c.name.value.as_str()).collect();
            let frame = name_columns(
                plan_query(query, catalog)?.alias(&name),
                &names,
                &format!("view {name}"),
            )?;
            catalog.views.insert(key, frame);
            Ok(())
        }
        ast::Statement::Query(_) => Err(Error::usage(
            "only the last statement may be a query; earlier ones create views",
        )),
        other => Err(Error::usage(format!(
            "unsupported statement: {}",
            first_words(other)
        ))),
    }
}
