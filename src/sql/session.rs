//! A SQL session over one script: the views the command line names (`--table NAME=INPUT`),
//! the views its statements create (`CREATE TEMP VIEW v AS SELECT`, `CREATE TEMP VIEW v USING
//! csv OPTIONS (...)`), its `SET`s, and the plan of each statement that gives a result.

use std::collections::HashMap;

use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef, BooleanArray, StringArray};
use arrow::datatypes::DataType;
use regex::Regex;
use sqlparser::ast;

use super::ctes::check_cte_names;
use super::select::{name_columns, plan_query, Catalog, SqlOptions};
use super::statements::Statement;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::io::csv::{parse_char_option, ParseMode};
use crate::io::dataset::{Dataset, Format};
use crate::io::writer::Compression;
use crate::plan::inputs::Inputs;
use crate::plan::Frame;
use crate::types::datetime_pattern::DateTimePattern;
use crate::types::names::simple_type_name;

/// A statement of a script that gives a result: a query (to the command's sink), an INSERT, or
/// a statement about the session (DESCRIBE, SHOW TABLES, SHOW COLUMNS, EXPLAIN).
pub enum Output<'a> {
    Query(&'a ast::Query),
    /// `EXPLAIN query`: the query's plan, whatever the sink.
    Explain(&'a ast::Query),
    /// EXPLAIN ANALYZE: run the query, print its plan with what each operator did.
    ExplainAnalyze(&'a ast::Query),
    /// `DESCRIBE [TABLE] v`: its columns, types and comments.
    Describe(&'a ast::ObjectName),
    /// `SHOW TABLES [LIKE 'pattern']`.
    ShowTables(Option<String>),
    /// `SHOW COLUMNS (IN|FROM) v`.
    ShowColumns(&'a ast::ObjectName),
    /// `INSERT OVERWRITE DIRECTORY 'path' [USING format] SELECT ...`.
    InsertDirectory {
        path: &'a str,
        format: Option<&'a str>,
        query: &'a ast::Query,
    },
}

/// One result-giving statement, where it stands in the script, and the settings in force there.
pub struct Step<'a> {
    pub index: usize,
    pub output: Output<'a>,
    pub settings: Settings,
}

/// What `SET` statements before a step changed.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `spark.sql.parquet.compression.codec`, for INSERTs that write Parquet.
    pub parquet_compression: Option<Compression>,
    /// Spark's positions and aliases switches.
    pub sql: SqlOptions,
    /// `engine.sql.files.sparkDefaults`: CSV files named in FROM (``csv.`path` ``) read as
    /// Spark reads them there (no header, every column a string named `_c0`, ...), not with
    /// the command's read options.
    pub spark_file_defaults: bool,
}

/// The script's result-giving statements, in order, after checking every statement (each SET,
/// each statement kind) before anything runs: a job never stops halfway on a statement the
/// engine could have refused at the start.
pub fn script_steps(statements: &[Statement]) -> Result<Vec<Step<'_>>> {
    let mut settings = Settings::default();
    let mut steps = Vec::new();
    for (index, statement) in statements.iter().enumerate() {
        let output = match statement {
            Statement::Sql(ast::Statement::Query(q)) => Output::Query(q.as_ref()),
            Statement::InsertDirectory {
                path,
                format,
                query,
            } => Output::InsertDirectory {
                path,
                format: format.as_deref(),
                query: query.as_ref(),
            },
            Statement::Set { key, value } => {
                apply_setting(&mut settings, key, value.as_deref())?;
                continue;
            }
            Statement::ViewUsing { .. } | Statement::Sql(ast::Statement::CreateView(_)) => continue,
            Statement::Sql(ast::Statement::Drop {
                object_type: ast::ObjectType::View | ast::ObjectType::Table,
                cascade: false,
                restrict: false,
                purge: false,
                ..
            }) => continue,
            // Tables that live for the job: CREATE TABLE and INSERT INTO ... VALUES / SELECT.
            Statement::Sql(ast::Statement::CreateTable(_)) => continue,
            Statement::Sql(ast::Statement::Insert(ast::Insert {
                table: ast::TableObject::TableName(_),
                ..
            })) => continue,
            Statement::Sql(other) => session_statement(other)?,
        };
        steps.push(Step {
            index,
            output,
            settings: settings.clone(),
        });
    }
    Ok(steps)
}

/// DESCRIBE, SHOW TABLES, SHOW COLUMNS and EXPLAIN, each read whole (a part the engine does
/// not honour is refused); any other statement is refused.
fn session_statement(statement: &ast::Statement) -> Result<Output<'_>> {
    let refuse = || {
        Error::usage(format!(
            "unsupported statement: {} (a job holds CREATE TEMP VIEW, CREATE TABLE, INSERT INTO, \
             DROP, SET, queries, INSERT OVERWRITE DIRECTORY, DESCRIBE, SHOW TABLES, SHOW COLUMNS \
             and EXPLAIN)",
            first_words(statement)
        ))
    };
    match statement {
        ast::Statement::ExplainTable {
            describe_alias: _,
            hive_format,
            has_table_keyword: _,
            table_name,
        } => match hive_format {
            None => Ok(Output::Describe(table_name)),
            Some(_) => Err(Error::usage(format!(
                "unsupported: DESCRIBE EXTENDED/FORMATTED (give DESCRIBE {table_name})"
            ))),
        },
        ast::Statement::ShowTables {
            terse: false,
            history: false,
            extended: false,
            full: false,
            external: false,
            show_options,
        } => {
            let pattern = match show_parts(show_options).ok_or_else(refuse)? {
                (None, None) => None,
                (None, Some(ast::ShowStatementFilter::Like(p))) => Some(p.clone()),
                _ => return Err(refuse()),
            };
            Ok(Output::ShowTables(pattern))
        }
        ast::Statement::ShowColumns {
            extended: false,
            full: false,
            show_options,
        } => match show_parts(show_options).ok_or_else(refuse)? {
            (
                Some(ast::ShowStatementIn {
                    clause: _,
                    parent_type: None,
                    parent_name: Some(name),
                }),
                None,
            ) => Ok(Output::ShowColumns(name)),
            _ => Err(refuse()),
        },
        ast::Statement::Explain {
            describe_alias: _,
            analyze,
            verbose: _,
            query_plan: false,
            estimate: false,
            statement,
            format: None,
            options: None,
        } => match statement.as_ref() {
            ast::Statement::Query(q) if *analyze => Ok(Output::ExplainAnalyze(q)),
            ast::Statement::Query(q) => Ok(Output::Explain(q)),
            _ => Err(Error::usage("EXPLAIN takes a query")),
        },
        ast::Statement::Explain { .. } => Err(Error::usage(
            "unsupported: EXPLAIN with options (FORMAT, ...); give EXPLAIN [ANALYZE] SELECT ...",
        )),
        _ => Err(refuse()),
    }
}

/// The parts of a SHOW statement's options the engine reads, `IN v` and `LIKE '...'`; None when
/// it has one it does not (STARTS WITH, LIMIT).
fn show_parts(
    options: &ast::ShowStatementOptions,
) -> Option<(
    Option<&ast::ShowStatementIn>,
    Option<&ast::ShowStatementFilter>,
)> {
    let ast::ShowStatementOptions {
        show_in,
        starts_with,
        limit,
        limit_from,
        filter_position,
    } = options;
    if starts_with.is_some() || limit.is_some() || limit_from.is_some() {
        return None;
    }
    let filter = filter_position.as_ref().map(|p| match p {
        ast::ShowStatementFilterPosition::Infix(f)
        | ast::ShowStatementFilterPosition::Suffix(f) => f,
    });
    Some((show_in.as_ref(), filter))
}

/// `SET key=value`: settings that change an answer are honoured or refused; settings that only
/// tune Spark's own execution (partition counts, broadcast thresholds) change nothing here and
/// are accepted.
fn apply_setting(settings: &mut Settings, key: &str, value: Option<&str>) -> Result<()> {
    let Some(value) = value else {
        return Err(Error::usage(format!(
            "SET {key}: listing settings is not supported; give SET key=value"
        )));
    };
    let lower = value.trim().to_ascii_lowercase();
    let expect = |allowed: &[&str], why: &str| -> Result<()> {
        if allowed.contains(&lower.as_str()) {
            Ok(())
        } else {
            Err(Error::usage(format!("SET {key}={value}: {why}")))
        }
    };
    match key.to_ascii_lowercase().as_str() {
        "spark.sql.session.timezone" => expect(
            &["utc", "gmt", "z", "etc/utc", "etc/gmt", "+00:00", "-00:00", "utc+0", "gmt+0", "+0", "0"],
            "not supported: the engine's session time zone is UTC",
        ),
        "spark.sql.ansi.enabled" => expect(
            &["false"],
            "not supported: the engine follows Spark's default, non-ANSI rules (overflow and bad casts give null)",
        ),
        "spark.sql.casesensitive" => expect(
            &["false"],
            "not supported: column names are matched ignoring case, as Spark's default",
        ),
        "spark.sql.legacy.timeparserpolicy" => expect(
            &["exception", "corrected"],
            "not supported: the engine parses datetimes with Spark 3's patterns",
        ),
        "spark.sql.parquet.compression.codec" => {
            settings.parquet_compression = Some(match lower.as_str() {
                "snappy" => Compression::Snappy,
                "zstd" => Compression::Zstd,
                "gzip" => Compression::Gzip,
                "none" | "uncompressed" => Compression::None,
                _ => {
                    return Err(Error::usage(format!(
                        "SET {key}={value}: expected snappy, zstd, gzip, none or uncompressed"
                    )))
                }
            });
            Ok(())
        }
        "spark.sql.groupbyordinal" | "spark.sql.orderbyordinal" | "spark.sql.groupbyaliases" => {
            let on = match lower.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(Error::usage(format!(
                        "SET {key}={value}: expected true or false"
                    )))
                }
            };
            match key.to_ascii_lowercase().as_str() {
                "spark.sql.groupbyordinal" => settings.sql.group_by_ordinal = on,
                "spark.sql.orderbyordinal" => settings.sql.order_by_ordinal = on,
                _ => settings.sql.group_by_aliases = on,
            }
            Ok(())
        }
        "engine.sql.files.sparkdefaults" => {
            settings.spark_file_defaults = match lower.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(Error::usage(format!(
                        "SET {key}={value}: expected true or false"
                    )))
                }
            };
            Ok(())
        }
        // Spark's switches for other behaviour: the engine has Spark's default only.
        key if SPARK_DEFAULTS.iter().any(|(k, _)| *k == key) => {
            let default = SPARK_DEFAULTS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |(_, d)| d);
            expect(
                &[default],
                &format!("not supported: the engine has Spark's default, {default}"),
            )
        }
        // Execution tuning in Spark; the engine sizes its own tasks and joins.
        "spark.sql.codegen.wholestage"
        | "spark.sql.codegen.factorymode"
        | "spark.sql.join.prefersortmergejoin"
        | "spark.sql.join.forceapplyshuffledhashjoin"
        | "spark.sql.adaptive.coalescepartitions.minpartitionnum"
        | "spark.sql.shuffle.partitions"
        | "spark.default.parallelism"
        | "spark.sql.adaptive.enabled"
        | "spark.sql.adaptive.coalescepartitions.enabled"
        | "spark.sql.autobroadcastjointhreshold"
        | "spark.sql.files.maxpartitionbytes"
        | "spark.sql.files.opencostinbytes" => Ok(()),
        _ => Err(Error::usage(format!(
            "SET {key}: not a setting the engine knows (it honours spark.sql.session.timeZone=UTC, \
             spark.sql.parquet.compression.codec, spark.sql.ansi.enabled=false, \
             spark.sql.caseSensitive=false, engine.sql.files.sparkDefaults and Spark's tuning \
             settings)"
        ))),
    }
}

/// Spark settings (lower case) that change answers, with the default value, the only one the
/// engine implements: `SET` to it is accepted, to anything else refused.
const SPARK_DEFAULTS: [(&str, &str); 6] = [
    ("spark.sql.crossjoin.enabled", "true"),
    ("spark.sql.legacy.allowparameterlesscount", "false"),
    ("spark.sql.legacy.setopsprecedence.enabled", "false"),
    (
        "spark.sql.legacy.allowstarwithsingletableidentifierincount",
        "false",
    ),
    (
        "spark.sql.legacy.parser.havingwithoutgroupbyaswhere",
        "false",
    ),
    ("spark.sql.legacy.allownegativescaleofdecimal", "false"),
];

/// Plan `output`, the statement at `index`, after registering `tables` (NAME, INPUT) and the
/// views the statements before it create, opening inputs through `inputs`.
pub fn plan_script(
    tables: &[(String, String)],
    statements: &[Statement],
    step: &Step,
    inputs: &Inputs,
) -> Result<Frame> {
    let (index, output) = (step.index, &step.output);
    let open = |path: &str, format: Option<&str>| open_file(inputs, &step.settings, path, format);
    let catalog = session_catalog(
        tables,
        &statements[..index],
        inputs,
        &open,
        step.settings.sql,
    )?;
    match output {
        Output::Query(query)
        | Output::Explain(query)
        | Output::ExplainAnalyze(query)
        | Output::InsertDirectory { query, .. } => {
            check_cte_names(query)?;
            plan_query(query, &catalog)
        }
        Output::Describe(name) | Output::ShowColumns(name) => {
            let name = name.to_string();
            let schema = catalog.view(&name)?.schema();
            let names: ArrayRef = Arc::new(StringArray::from_iter_values(
                schema.fields().iter().map(|f| f.name().as_str()),
            ));
            if matches!(output, Output::ShowColumns(_)) {
                return Frame::literal_rows(&[("col_name", names)]);
            }
            let types: ArrayRef = Arc::new(StringArray::from_iter_values(
                schema
                    .fields()
                    .iter()
                    .map(|f| simple_type_name(f.data_type())),
            ));
            let comments = new_null_array(&DataType::Utf8, schema.fields().len());
            Frame::literal_rows(&[
                ("col_name", names),
                ("data_type", types),
                ("comment", comments),
            ])
        }
        Output::ShowTables(pattern) => {
            let matcher = pattern.as_deref().map(show_pattern).transpose()?;
            let mut names: Vec<&String> = catalog
                .views
                .keys()
                .filter(|n| matcher.as_ref().is_none_or(|m| m.is_match(n)))
                .collect();
            names.sort();
            let count = names.len();
            Frame::literal_rows(&[
                (
                    "namespace",
                    Arc::new(StringArray::from(vec![""; count])) as ArrayRef,
                ),
                (
                    "tableName",
                    Arc::new(StringArray::from_iter_values(names)) as ArrayRef,
                ),
                (
                    "isTemporary",
                    Arc::new(BooleanArray::from(vec![true; count])) as ArrayRef,
                ),
            ])
        }
    }
}

/// A job without a result (only views, SETs and DROPs) still checks that every view plans, as
/// Spark analyses a view when it is created.
pub fn check_views(
    tables: &[(String, String)],
    statements: &[Statement],
    inputs: &Inputs,
) -> Result<()> {
    let settings = Settings::default();
    let open = |path: &str, format: Option<&str>| open_file(inputs, &settings, path, format);
    session_catalog(tables, statements, inputs, &open, settings.sql).map(|_| ())
}

/// A file named in FROM (``parquet.`path` ``), read with the command's options or, under
/// `engine.sql.files.sparkDefaults`, with Spark's.
fn open_file(
    inputs: &Inputs,
    settings: &Settings,
    path: &str,
    format: Option<&str>,
) -> Result<Frame> {
    let mut read = inputs.read.clone();
    if let Some(f) = format {
        read.format = Some(if f.eq_ignore_ascii_case("parquet") {
            Format::Parquet
        } else {
            Format::Csv
        });
    }
    if settings.spark_file_defaults {
        read.csv.header = false;
        read.csv.infer = false;
    }
    let dataset = Dataset::open(path, &read, inputs.depth, inputs.progress)?;
    Ok(Frame::scan(std::sync::Arc::new(dataset), None))
}

/// The views in force after `statements`: the command line's tables, then each CREATE and DROP
/// VIEW in turn.
fn session_catalog<'a>(
    tables: &[(String, String)],
    statements: &[Statement],
    inputs: &Inputs,
    open: &'a crate::sql::select::OpenInput<'a>,
    options: SqlOptions,
) -> Result<Catalog<'a>> {
    let mut catalog = Catalog {
        views: HashMap::new(),
        tables: Default::default(),
        open,
        options,
    };
    for (name, path) in tables {
        let frame = inputs.frame(path)?.alias(name);
        catalog.views.insert(name.to_ascii_lowercase(), frame);
    }
    for statement in statements {
        match statement {
            // Results and settings were dealt with by `script_steps`.
            Statement::Sql(
                ast::Statement::CreateView(_)
                | ast::Statement::Drop { .. }
                | ast::Statement::CreateTable(_)
                | ast::Statement::Insert(_),
            ) => run_setup(statement, &mut catalog)?,
            Statement::Sql(_) | Statement::InsertDirectory { .. } | Statement::Set { .. } => {}
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
    Ok(catalog)
}

/// SHOW TABLES LIKE's pattern: `*` any characters, `|` between alternatives, case ignored.
fn show_pattern(pattern: &str) -> Result<Regex> {
    let alternatives: Vec<String> = pattern
        .split('|')
        .map(|p| {
            p.trim()
                .split('*')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(".*")
        })
        .collect();
    Regex::new(&format!("(?i)^(?:{})$", alternatives.join("|")))
        .map_err(|e| Error::usage(format!("SHOW TABLES LIKE '{pattern}': {e}")))
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

/// The last part of a dotted name (`db.t` is `t`), as written.
fn last_name(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

/// `CREATE TABLE t (a INT, ...) [USING fmt]` or `CREATE TABLE t AS SELECT ...`: a table that
/// lives for the job (the engine keeps no catalog between runs), empty or holding the query's
/// rows. Layout clauses (PARTITIONED BY, LOCATION, ...) are refused.
fn create_table(create: &ast::CreateTable, catalog: &mut Catalog) -> Result<()> {
    let name = last_name(&create.name);
    let key = name.to_ascii_lowercase();
    let using = create
        .hive_formats
        .as_ref()
        .is_some_and(|f| matches!(f.storage, Some(ast::HiveIOFormat::Using { .. })));
    if !using {
        // Without USING, Spark 3.3 makes a Hive table, which needs Hive support.
        return Err(Error::analysis(format!(
            "CREATE TABLE {name}: give a data source (USING parquet); without one Spark creates \
             a Hive table, which needs Hive support"
        )));
    }
    let refused = if create.location.is_some()
        || create
            .hive_formats
            .as_ref()
            .is_some_and(|f| f.location.is_some())
    {
        Some("LOCATION")
    } else if create.partition_by.is_some()
        || create.cluster_by.is_some()
        || create.clustered_by.is_some()
    {
        Some("PARTITIONED BY / CLUSTERED BY")
    } else if create.like.is_some() || create.clone.is_some() {
        Some("LIKE / CLONE")
    } else if create.columns.iter().any(|c| !c.options.is_empty()) {
        Some("column constraints")
    } else {
        None
    };
    if let Some(what) = refused {
        return Err(Error::usage(format!(
            "unsupported in CREATE TABLE {name}: {what} (a table lives for the job)"
        )));
    }
    if catalog.views.contains_key(&key) {
        if create.if_not_exists {
            return Ok(());
        }
        if !create.or_replace {
            return Err(Error::analysis(format!(
                "table or view {name} already exists"
            )));
        }
    }
    let frame = match (&create.query, create.columns.is_empty()) {
        (Some(query), true) => plan_query(query, catalog)?,
        (Some(_), false) => {
            return Err(Error::analysis(format!(
                "CREATE TABLE {name}: a column list and AS SELECT together (give one)"
            )))
        }
        (None, false) => {
            let mut columns = Vec::new();
            for column in &create.columns {
                let data_type = crate::types::names::spark_type(&column.data_type.to_string())
                    .ok_or_else(|| {
                        Error::usage(format!(
                            "CREATE TABLE {name}: unsupported type {} for column {}",
                            column.data_type, column.name
                        ))
                    })?;
                columns.push((column.name.value.as_str(), new_null_array(&data_type, 0)));
            }
            Frame::literal_rows(&columns)?
        }
        (None, true) => {
            return Err(Error::analysis(format!(
                "CREATE TABLE {name} needs its columns or AS SELECT"
            )))
        }
    };
    catalog.views.insert(key.clone(), frame.alias(&name));
    catalog.tables.insert(key);
    Ok(())
}

/// `INSERT INTO t VALUES ... | SELECT ...` (INSERT OVERWRITE replaces the rows): the rows cast
/// to the table's types by Spark's store assignment rules (numbers to numbers, anything to a
/// string; a string to a number is refused), appended to the table's.
fn insert_into(insert: &ast::Insert, catalog: &mut Catalog) -> Result<()> {
    let ast::TableObject::TableName(target) = &insert.table else {
        return Err(Error::usage(
            "INSERT INTO a table function is not supported",
        ));
    };
    let name = last_name(target);
    let key = name.to_ascii_lowercase();
    if insert.partitioned.is_some()
        || insert.on.is_some()
        || insert.returning.is_some()
        || insert.or.is_some()
        || insert.ignore
        || insert.replace_into
        || insert.by_name
        || !insert.assignments.is_empty()
        || !insert.after_columns.is_empty()
    {
        return Err(Error::usage(format!(
            "INSERT INTO {name}: only INSERT INTO|OVERWRITE TABLE t VALUES ... | SELECT ... is \
             supported (not PARTITION, BY NAME, SET, ON CONFLICT, RETURNING, ...)"
        )));
    }
    if !insert.columns.is_empty() {
        return Err(Error::usage(format!(
            "INSERT INTO {name} (columns): a column list is not supported; give every column"
        )));
    }
    let table = catalog.view(&name)?;
    if !catalog.tables.contains(&key) {
        return Err(Error::analysis(format!(
            "{name} is a view: INSERT goes into tables (CREATE TABLE)"
        )));
    }
    let Some(source) = &insert.source else {
        return Err(Error::usage(format!(
            "INSERT INTO {name} needs VALUES or a SELECT"
        )));
    };
    let rows = plan_query(source, catalog)?;
    let schema = table.schema();
    let given = rows.schema();
    if given.fields().len() != schema.fields().len() {
        return Err(Error::analysis(format!(
            "INSERT INTO {name}: the table has {} columns, the data {}",
            schema.fields().len(),
            given.fields().len()
        )));
    }
    let mut items = Vec::new();
    for (i, (column, value)) in schema.fields().iter().zip(given.fields()).enumerate() {
        let (to, from) = (column.data_type(), value.data_type());
        let numeric = crate::types::coerce::is_numeric;
        let allowed = from == to
            || *from == DataType::Null
            || *to == DataType::Utf8
            || (numeric(from) && numeric(to))
            || matches!(
                (from, to),
                (DataType::Date32, DataType::Timestamp(_, _))
                    | (DataType::Timestamp(_, _), DataType::Date32)
            );
        if !allowed {
            return Err(Error::analysis(format!(
                "INSERT INTO {name}: cannot safely cast column {} from {} to {}",
                column.name(),
                simple_type_name(from),
                simple_type_name(to)
            )));
        }
        items.push(Expr::Alias {
            expr: Box::new(Expr::Cast {
                expr: Box::new(Expr::Column {
                    qualifier: Some(format!("{}{i}", crate::expr::POSITION_QUALIFIER)),
                    name: value.name().clone(),
                }),
                to: to.clone(),
            }),
            name: column.name().clone(),
        });
    }
    let rows = rows.select(&items)?;
    let contents = if insert.overwrite {
        rows
    } else {
        table.union(rows, false)?
    };
    catalog.views.insert(key, contents.alias(&name));
    Ok(())
}

/// A statement before the one being planned that is not a result: a temp view.
fn run_setup(statement: &Statement, catalog: &mut Catalog) -> Result<()> {
    let Statement::Sql(statement) = statement else {
        return Ok(());
    };
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
                {
                    check_cte_names(query)?;
                    plan_query(query, catalog)?.alias(&name)
                },
                &names,
                &format!("view {name}"),
            )?;
            catalog.views.insert(key, frame);
            Ok(())
        }
        ast::Statement::Drop {
            object_type: kind @ (ast::ObjectType::View | ast::ObjectType::Table),
            if_exists,
            names,
            ..
        } => {
            let table = matches!(kind, ast::ObjectType::Table);
            for name in names {
                let key = last_name(name).to_ascii_lowercase();
                let is_table = catalog.tables.contains(&key);
                if catalog.views.contains_key(&key) && is_table != table {
                    return Err(Error::analysis(format!(
                        "DROP {}: {name} is a {}",
                        if table { "TABLE" } else { "VIEW" },
                        if is_table {
                            "table (use DROP TABLE)"
                        } else {
                            "view (use DROP VIEW)"
                        }
                    )));
                }
                catalog.tables.remove(&key);
                if catalog.views.remove(&key).is_none() && !if_exists {
                    return Err(Error::usage(format!(
                        "DROP {} {name}: no such {} (give DROP {} IF EXISTS)",
                        if table { "TABLE" } else { "VIEW" },
                        if table { "table" } else { "view" },
                        if table { "TABLE" } else { "VIEW" },
                    )));
                }
            }
            Ok(())
        }
        ast::Statement::CreateTable(create) => create_table(create, catalog),
        ast::Statement::Insert(insert) => insert_into(insert, catalog),
        other => Err(Error::usage(format!(
            "unsupported statement: {}",
            first_words(other)
        ))),
    }
}
