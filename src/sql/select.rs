//! Spark SQL queries -> `Frame`s: SELECT with FROM (tables, views, ``parquet.`path` ``,
//! subqueries), JOIN ... ON / USING, WHERE (with `IN (SELECT ...)` as a semi or anti join),
//! GROUP BY (expressions, aliases, ordinals), HAVING, DISTINCT, UNION [ALL], WITH, ORDER BY
//! (ordinals, aliases, NULLS FIRST/LAST) and LIMIT, on the same plan as the query verbs.

use std::collections::HashMap;

use super::walk::{subexpressions, subexpressions_mut};
use arrow::datatypes::DataType;
use sqlparser::ast;

use crate::error::{Error, Result};
use crate::expr::parse::{convert, convert_select_item, convert_sort};
use crate::expr::{Expr, SortExpr};
use crate::plan::{Frame, JoinType};

/// Opens a dataset by path for `FROM parquet.\`path\``.
pub type OpenInput<'a> = dyn Fn(&str, Option<&str>) -> Result<Frame> + 'a;

/// Views by lower-case name (temp views, `--table`s and the CTEs in scope), and the session's
/// settings that change how a query reads.
pub struct Catalog<'a> {
    pub views: HashMap<String, Frame>,
    /// Which of the views are tables (`CREATE TABLE`), which INSERT may add rows to.
    pub tables: std::collections::HashSet<String>,
    pub open: &'a OpenInput<'a>,
    pub options: SqlOptions,
}

/// Spark's switches for positions and aliases (`spark.sql.groupByOrdinal`,
/// `spark.sql.orderByOrdinal`, `spark.sql.groupByAliases`), all on by default.
#[derive(Debug, Clone, Copy)]
pub struct SqlOptions {
    pub group_by_ordinal: bool,
    pub order_by_ordinal: bool,
    pub group_by_aliases: bool,
}

impl Default for SqlOptions {
    fn default() -> Self {
        SqlOptions {
            group_by_ordinal: true,
            order_by_ordinal: true,
            group_by_aliases: true,
        }
    }
}

impl Catalog<'_> {
    pub fn view(&self, name: &str) -> Result<Frame> {
        self.views
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| {
                let mut known: Vec<&String> = self.views.keys().collect();
                known.sort();
                Error::analysis(format!(
                    "table or view not found: {name}; {}",
                    if known.is_empty() {
                        "none are defined (use --table NAME=INPUT or CREATE TEMP VIEW)".to_string()
                    } else {
                        format!(
                            "the views are: {}",
                            known
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ))
            })
    }
}

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::analysis(format!("unsupported SQL: {what}"))
}

/// Plan a whole query (WITH, set operations, ORDER BY, LIMIT).
pub fn plan_query(query: &ast::Query, catalog: &Catalog) -> Result<Frame> {
    // Every clause of the query is named here (no `..`): one sqlparser adds is a compile error
    // until it is handled or refused, never silently ignored.
    let ast::Query {
        with,
        body,
        order_by,
        limit_clause,
        fetch,
        locks,
        for_clause,
        settings,
        format_clause,
        pipe_operators,
    } = query;
    if fetch.is_some() {
        return Err(unsupported("FETCH FIRST ... ROWS ONLY (use LIMIT)"));
    }
    if !locks.is_empty() {
        return Err(unsupported("FOR UPDATE / FOR SHARE"));
    }
    if for_clause.is_some() {
        return Err(unsupported("FOR XML / FOR JSON"));
    }
    if settings.is_some() {
        return Err(unsupported("SETTINGS"));
    }
    if format_clause.is_some() {
        return Err(unsupported("FORMAT"));
    }
    if !pipe_operators.is_empty() {
        return Err(unsupported("pipe operators (|>)"));
    }
    let mut scoped;
    let catalog = match with {
        Some(with) => {
            if with.recursive {
                return Err(unsupported("WITH RECURSIVE"));
            }
            scoped = Catalog {
                views: catalog.views.clone(),
                tables: catalog.tables.clone(),
                open: catalog.open,
                options: catalog.options,
            };
            for cte in &with.cte_tables {
                let frame = plan_query(&cte.query, &scoped)?.alias(&cte.alias.name.value);
                let frame = rename_columns(frame, &cte.alias.columns)?;
                scoped
                    .views
                    .insert(cte.alias.name.value.to_ascii_lowercase(), frame);
            }
            &scoped
        }
        None => catalog,
    };
    let order: Vec<SortExpr> = match order_by {
        Some(ast::OrderBy { kind, interpolate }) => match kind {
            _ if interpolate.is_some() => return Err(unsupported("ORDER BY ... INTERPOLATE")),
            ast::OrderByKind::Expressions(items) => {
                items.iter().map(convert_sort).collect::<Result<_>>()?
            }
            ast::OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
        },
        None => Vec::new(),
    };
    // LIMIT n OFFSET m: rows m+1 to m+n, in order.
    let (limit, skip) = match limit_clause {
        None => (None, 0),
        Some(ast::LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if !limit_by.is_empty() {
                return Err(unsupported("LIMIT ... BY"));
            }
            let skip = match offset {
                Some(ast::Offset { value, rows: _ }) => literal_usize(value, "OFFSET")?,
                None => 0,
            };
            let take = match limit {
                Some(e) => Some(literal_usize(e, "LIMIT")?),
                None => None,
            };
            (take, skip)
        }
        Some(other) => return Err(unsupported(other)),
    };
    let frame = match body.as_ref() {
        // ORDER BY of a plain SELECT may use columns it does not output: handled inside.
        ast::SetExpr::Select(select) => plan_select(select, catalog, &order)?,
        body => {
            let frame = plan_set_expr(body, catalog)?;
            order_output(frame, &order, catalog.options.order_by_ordinal)?
        }
    };
    Ok(match (limit, skip) {
        (None, 0) => frame,
        (n, skip) => frame.limit_offset(n, skip),
    })
}

/// LIMIT's and OFFSET's count: a constant integer expression (`2 + 1`, `CAST(1 AS INT)`), not
/// negative, as Spark requires.
fn literal_usize(e: &ast::Expr, what: &str) -> Result<usize> {
    let expr = convert(e)?;
    let n = constant_i64(&expr, what).map_err(|_| {
        Error::analysis(format!(
            "The {what} expression must evaluate to a constant integer value, not {}",
            expr.name()
        ))
    })?;
    usize::try_from(n).map_err(|_| {
        Error::analysis(format!(
            "The {what} expression must be equal to or greater than 0, but got {n}"
        ))
    })
}

fn plan_set_expr(body: &ast::SetExpr, catalog: &Catalog) -> Result<Frame> {
    match body {
        ast::SetExpr::Select(select) => plan_select(select, catalog, &[]),
        ast::SetExpr::Query(query) => plan_query(query, catalog),
        ast::SetExpr::Values(values) => plan_values(values),
        ast::SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => {
            let (l, r) = (
                plan_set_expr(left, catalog)?,
                plan_set_expr(right, catalog)?,
            );
            match (op, set_quantifier) {
                (ast::SetOperator::Union, _) => {}
                (
                    ast::SetOperator::Intersect
                    | ast::SetOperator::Except
                    | ast::SetOperator::Minus,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None,
                ) => {
                    let except = !matches!(op, ast::SetOperator::Intersect);
                    return l.intersect_or_except(r, except);
                }
                (
                    ast::SetOperator::Intersect
                    | ast::SetOperator::Except
                    | ast::SetOperator::Minus,
                    ast::SetQuantifier::All,
                ) => {
                    let except = !matches!(op, ast::SetOperator::Intersect);
                    return l.intersect_or_except_all(r, except);
                }
                (other, quantifier) => {
                    return Err(unsupported(
                        format!("{other} {quantifier}").trim().to_string(),
                    ))
                }
            }
            match set_quantifier {
                ast::SetQuantifier::All => l.union(r, false),
                ast::SetQuantifier::AllByName => l.union(r, true),
                ast::SetQuantifier::Distinct | ast::SetQuantifier::None => {
                    l.union(r, false)?.distinct()
                }
                ast::SetQuantifier::ByName | ast::SetQuantifier::DistinctByName => {
                    l.union(r, true)?.distinct()
                }
            }
        }
        other => Err(unsupported(other)),
    }
}

/// `TABLESAMPLE (n ROWS)`: the first n rows, as Spark's; the random forms (`n PERCENT`,
/// `BUCKET x OUT OF y`) are refused (their rows would differ from Spark's run to run anyway).
fn sampled(frame: Frame, sample: Option<&ast::TableSampleKind>, what: &str) -> Result<Frame> {
    let Some(
        ast::TableSampleKind::BeforeTableAlias(sample)
        | ast::TableSampleKind::AfterTableAlias(sample),
    ) = sample
    else {
        return Ok(frame);
    };
    let ast::TableSample {
        modifier,
        name,
        quantity,
        seed,
        bucket,
        offset,
    } = sample.as_ref();
    match (modifier, name, quantity, seed, bucket, offset) {
        (
            ast::TableSampleModifier::TableSample,
            None,
            Some(ast::TableSampleQuantity {
                parenthesized: true,
                value,
                unit: Some(ast::TableSampleUnit::Rows),
            }),
            None,
            None,
            None,
        ) => Ok(frame.limit(literal_usize(value, "TABLESAMPLE (n ROWS)")?)),
        _ => Err(unsupported(format!(
            "{sample} on {what}: random sampling is not supported (TABLESAMPLE (n ROWS) is)"
        ))),
    }
}

/// `VALUES (1, 'a'), (2, 'b')`: each row a one-row select, their union (columns `col1`,
/// `col2`, ... as Spark names them, of the types the rows meet in).
fn plan_values(values: &ast::Values) -> Result<Frame> {
    let ast::Values {
        explicit_row: _,
        value_keyword: _,
        rows,
    } = values;
    let mut frame: Option<Frame> = None;
    // What each column's values are, to refuse a column that mixes kinds Spark will not widen
    // without turning them into strings (`(1), ('a')`).
    let mut kinds: Vec<Option<String>> = Vec::new();
    for row in rows {
        let items: Vec<Expr> = row
            .content
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(Expr::Alias {
                    expr: Box::new(convert(e)?),
                    name: format!("col{}", i + 1),
                })
            })
            .collect::<Result<_>>()?;
        let one = Frame::one_row().select(&items)?;
        for (i, field) in one.schema().fields().iter().enumerate() {
            let kind = value_kind(field.data_type());
            if i >= kinds.len() {
                kinds.push(None);
            }
            match (&kinds[i], kind) {
                (_, None) => {}
                (None, Some(kind)) => kinds[i] = Some(kind),
                (Some(seen), Some(kind)) if *seen == kind => {}
                (Some(_), Some(_)) => {
                    return Err(Error::analysis(format!(
                        "incompatible types found in column col{} for inline table",
                        i + 1
                    )))
                }
            }
        }
        frame = Some(match frame {
            None => one,
            Some(rows) => rows.union(one, false)?,
        });
    }
    frame.ok_or_else(|| unsupported("VALUES without rows"))
}

/// The kind of value an inline table's column holds, for Spark's check that its rows widen to
/// one type without becoming strings: numbers together, dates with timestamps; None for NULL.
fn value_kind(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Null => return None,
        t if crate::types::coerce::is_numeric(t) => "number".to_string(),
        DataType::Date32 | DataType::Timestamp(_, _) => "datetime".to_string(),
        DataType::List(item) => format!("array<{}>", value_kind(item.data_type())?),
        other => crate::types::names::simple_type_name(other),
    })
}

/// Sort an output by ORDER BY items that are ordinals, output names or expressions over it.
fn order_output(frame: Frame, order: &[SortExpr], ordinals: bool) -> Result<Frame> {
    if order.is_empty() {
        return Ok(frame);
    }
    let resolved: Vec<SortExpr> = order
        .iter()
        .map(|s| {
            Ok(SortExpr {
                expr: if ordinals {
                    resolve_output_reference(&s.expr, &frame)?
                } else {
                    s.expr.clone()
                },
                ..s.clone()
            })
        })
        .collect::<Result<_>>()?;
    frame.order_by(&resolved)
}

/// `ORDER BY 2` -> the second output column (names and expressions bind to the output as they are).
fn resolve_output_reference(expr: &Expr, frame: &Frame) -> Result<Expr> {
    if let Some(i) = ordinal(expr)? {
        let schema = frame.schema();
        let field = schema.fields().get(i).ok_or_else(|| {
            Error::analysis(format!(
                "ORDER BY position {} is not in the select list (1 to {})",
                i + 1,
                schema.fields().len()
            ))
        })?;
        return Ok(Expr::column(field.name()));
    }
    Ok(expr.clone())
}

/// A 1-based position (`GROUP BY 1`), as a 0-based index.
fn ordinal(expr: &Expr) -> Result<Option<usize>> {
    if let Expr::Literal { value, text } = expr {
        if matches!(
            value.data_type(),
            arrow::datatypes::DataType::Int32 | arrow::datatypes::DataType::Int64
        ) {
            let n: usize = text.trim_end_matches('L').parse().unwrap_or(0);
            if n == 0 {
                return Err(Error::analysis(format!(
                    "position {text} is not in the select list"
                )));
            }
            return Ok(Some(n - 1));
        }
    }
    Ok(None)
}

fn rename_columns(frame: Frame, columns: &[ast::TableAliasColumnDef]) -> Result<Frame> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.value.as_str()).collect();
    name_columns(frame, &names, "the alias")
}

/// The frame's columns renamed, in order, to `names` (`t (a, b)`, `CREATE VIEW v (a, b)`); `what`
/// names the list in the message when the counts differ.
pub fn name_columns(frame: Frame, names: &[&str], what: &str) -> Result<Frame> {
    if names.is_empty() {
        return Ok(frame);
    }
    // By position: the relation may hold two columns of one name (a self-join).
    if names.len() != frame.visible_width() {
        return Err(Error::analysis(format!(
            "{what} names {} columns, the query gives {}",
            names.len(),
            frame.visible_width()
        )));
    }
    Ok(frame.rename_visible(names))
}

/// `range(end)` or `range(start, end[, step[, numPartitions]])`: Spark's table of bigint `id`s
/// (the partition count changes nothing here).
fn plan_range(args: &ast::TableFunctionArgs) -> Result<Frame> {
    let ast::TableFunctionArgs { args, settings } = args;
    if settings.is_some() {
        return Err(unsupported("SETTINGS in range(...)"));
    }
    let values = args
        .iter()
        .map(|arg| match arg {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                constant_i64(&convert(e)?, "range")
            }
            other => Err(unsupported(format!("range argument {other}"))),
        })
        .collect::<Result<Vec<i64>>>()?;
    let (start, end, step) = match values.as_slice() {
        [end] => (0, *end, 1),
        [start, end] => (*start, *end, 1),
        [start, end, step] | [start, end, step, _] => (*start, *end, *step),
        _ => {
            return Err(Error::analysis(
                "range takes range(end) or range(start, end[, step[, numPartitions]])",
            ))
        }
    };
    if step == 0 {
        return Err(Error::analysis("range: step cannot be 0"));
    }
    Ok(Frame::range(start, end, step))
}

/// The value of a constant expression (`10`, `-2`, `5 * 2`) as a bigint.
fn constant_i64(expr: &Expr, what: &str) -> Result<i64> {
    use arrow::array::{Array, AsArray, RecordBatchOptions};
    use arrow::datatypes::DataType;
    let empty = std::sync::Arc::new(arrow::datatypes::Schema::empty());
    let bound = crate::expr::bind(expr, &crate::expr::Scope::new(empty.clone()))?;
    let row = arrow::array::RecordBatch::try_new_with_options(
        empty,
        Vec::new(),
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )
    .map_err(|e| Error::arrow(what, e))?;
    let value = crate::expr::eval::evaluate(&bound, &row)?;
    let integral = matches!(
        value.data_type(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
    );
    let ints = arrow::compute::cast(&value, &DataType::Int64).map_err(|e| Error::arrow(what, e))?;
    let ints = ints.as_primitive::<arrow::datatypes::Int64Type>();
    if !integral || ints.is_empty() || ints.is_null(0) {
        return Err(Error::analysis(format!(
            "{what} takes integer arguments, not {}",
            expr.name()
        )));
    }
    Ok(ints.value(0))
}

/// A relation in FROM: a view, ``format.`path` ``, or a subquery.
fn plan_relation(relation: &ast::TableFactor, catalog: &Catalog) -> Result<Frame> {
    match relation {
        ast::TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_directives,
            inheritance,
        } => {
            if let Some(args) = args {
                if !name.to_string().eq_ignore_ascii_case("range") {
                    return Err(unsupported(format!("table function {name}")));
                }
                let frame = plan_range(args)?;
                let qualifier = alias
                    .as_ref()
                    .map_or("range".to_string(), |a| a.name.value.clone());
                let frame = sampled(frame, sample.as_ref(), "range")?.alias(&qualifier);
                return match alias {
                    Some(a) => rename_columns(frame, &a.columns),
                    None => Ok(frame),
                };
            }
            if version.is_some() {
                return Err(unsupported(format!("time travel (AS OF) on {name}")));
            }
            if !with_hints.is_empty() || !index_directives.is_empty() || !partitions.is_empty() {
                return Err(unsupported(format!(
                    "table hints or PARTITION (...) on {name}"
                )));
            }
            if *with_ordinality || json_path.is_some() || inheritance.is_some() {
                return Err(unsupported(format!(
                    "WITH ORDINALITY, a JSON path or ONLY on {name}"
                )));
            }
            let parts = name_parts(name);
            let file = file_reference(&parts, |one| {
                catalog.views.contains_key(&one.to_ascii_lowercase())
            });
            let frame = match (file, parts.as_slice()) {
                (Some((path, format)), _) => (catalog.open)(&path, format.as_deref())?,
                (None, [one]) => catalog.view(one)?,
                _ => return Err(Error::analysis(format!("table or view not found: {name}"))),
            };
            let qualifier = alias
                .as_ref()
                .map(|a| a.name.value.clone())
                .unwrap_or_else(|| parts.last().cloned().unwrap_or_default());
            let frame = sampled(frame, sample.as_ref(), &name.to_string())?.alias(&qualifier);
            match alias {
                Some(a) => rename_columns(frame, &a.columns),
                None => Ok(frame),
            }
        }
        ast::TableFactor::Derived {
            lateral,
            subquery,
            alias,
            sample,
        } => {
            if *lateral {
                return Err(unsupported("LATERAL"));
            }
            let frame = sampled(
                plan_query(subquery, catalog)?,
                sample.as_ref(),
                "a subquery",
            )?;
            match alias {
                Some(a) => rename_columns(frame.alias(&a.name.value), &a.columns),
                None => Ok(frame),
            }
        }
        ast::TableFactor::Pivot {
            table,
            aggregate_functions,
            value_column,
            value_source,
            default_on_null,
            alias,
        } => {
            if default_on_null.is_some() {
                return Err(unsupported("PIVOT ... DEFAULT ON NULL"));
            }
            let input = plan_relation(table, catalog)?;
            let frame =
                super::pivot::pivot(input, aggregate_functions, value_column, value_source)?;
            match alias {
                Some(a) => rename_columns(frame.alias(&a.name.value), &a.columns),
                None => Ok(frame),
            }
        }
        ast::TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } => {
            let frame = plan_from(table_with_joins, catalog)?;
            match alias {
                Some(a) => rename_columns(frame.alias(&a.name.value), &a.columns),
                None => Ok(frame),
            }
        }
        other => Err(unsupported(other)),
    }
}

fn plan_from(from: &ast::TableWithJoins, catalog: &Catalog) -> Result<Frame> {
    let ast::TableWithJoins { relation, joins } = from;
    let mut frame = plan_relation(relation, catalog)?;
    for ast::Join {
        relation,
        global,
        join_operator,
    } in joins
    {
        if *global {
            return Err(unsupported("GLOBAL JOIN"));
        }
        let right = plan_relation(relation, catalog)?;
        use ast::JoinOperator as J;
        let (how, constraint) = match join_operator {
            J::Join(c) | J::Inner(c) => (JoinType::Inner, c),
            J::Left(c) | J::LeftOuter(c) => (JoinType::Left, c),
            J::Right(c) | J::RightOuter(c) => (JoinType::Right, c),
            J::FullOuter(c) => (JoinType::Full, c),
            J::Semi(c) | J::LeftSemi(c) => (JoinType::Semi, c),
            J::Anti(c) | J::LeftAnti(c) => (JoinType::Anti, c),
            J::CrossJoin(ast::JoinConstraint::None) => {
                frame = frame.cross_join(right);
                continue;
            }
            // Spark reads `a CROSS JOIN b ON c` as an inner join on c.
            J::CrossJoin(c) => (JoinType::Inner, c),
            other => {
                return Err(unsupported(
                    format!("{other:?} join")
                        .split('(')
                        .next()
                        .unwrap_or("join")
                        .to_string(),
                ))
            }
        };
        frame = match constraint {
            ast::JoinConstraint::On(e) => frame.join_on(right, &convert(e)?, how)?,
            ast::JoinConstraint::Using(names) => {
                let names: Vec<String> = names
                    .iter()
                    .map(|n| {
                        n.0.last()
                            .and_then(|p| p.as_ident())
                            .map(|i| i.value.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                frame.join_using(right, &names, how)?
            }
            // USING the columns both sides have, in the left side's order; with none in
            // common, every pair (as Spark).
            ast::JoinConstraint::Natural => {
                let names = frame.common_columns(&right);
                if names.is_empty() {
                    frame.join_every_pair(right, how)
                } else {
                    frame.join_using(right, &names, how)?
                }
            }
            ast::JoinConstraint::UsingAlias(..) => return Err(unsupported("USING ... AS")),
            // `a JOIN b` without a condition pairs every row with every row (the outer
            // kinds keeping unmatched rows when the other side is empty), as Spark.
            ast::JoinConstraint::None => frame.join_every_pair(right, how),
        };
    }
    Ok(frame)
}

/// `x IN (SELECT ...)` as a semi join, `NOT IN` as Spark's null-aware anti join; several
/// values against as many subquery columns. A subquery that refers to the outer query (its WHERE
/// naming outer columns) joins on its WHERE as well, as Spark rewrites a correlated IN.
fn plan_in_subquery(
    frame: Frame,
    expr: &ast::Expr,
    subquery: &ast::Query,
    negated: bool,
    catalog: &Catalog,
) -> Result<Frame> {
    let tested = |width: usize| -> Result<Vec<Expr>> {
        // `(a, b) IN (SELECT x, y ...)`: one value per subquery column.
        let values: Vec<Expr> = match expr {
            ast::Expr::Tuple(items) if width > 1 => {
                items.iter().map(convert).collect::<Result<_>>()?
            }
            single => vec![convert(single)?],
        };
        if width != values.len() {
            return Err(Error::analysis(format!(
                "the subquery of IN returns {width} column{}, but {} value{} tested",
                if width == 1 { "" } else { "s" },
                values.len(),
                if values.len() == 1 { " is" } else { "s are" }
            )));
        }
        Ok(values)
    };
    // The subquery's values take names of their own, so the tested expressions' names resolve
    // in the outer query (`id IN (SELECT id FROM r)`).
    let value_name = |i: usize| format!("__in_value{i}");
    let (sub, names, values, qualifier, correlation) = match plan_query(subquery, catalog) {
        Ok(sub) => {
            let width = sub.schema().fields().len();
            let values = tested(width)?;
            let own = sub.schema().field(0).name().clone();
            let (sub, names) = if width == 1
                && !frame
                    .scope
                    .schema
                    .fields()
                    .iter()
                    .any(|f| f.name().eq_ignore_ascii_case(&own))
            {
                // One column no outer column shares a name with: referred to as it is.
                (sub, vec![own])
            } else {
                let names: Vec<String> = (0..width).map(value_name).collect();
                let sub = name_columns(
                    sub,
                    &names.iter().map(String::as_str).collect::<Vec<_>>(),
                    "IN's subquery",
                )?;
                (sub, names)
            };
            let qualifier = Some("__in_subquery".to_string());
            (sub.alias("__in_subquery"), names, values, qualifier, None)
        }
        Err(error) => match correlated_in_parts(subquery, catalog) {
            Some(Ok((from, items, correlation))) => {
                let values = tested(items.len())?;
                // The subquery's input stays beside its values: its WHERE, naming both
                // sides, is evaluated by the join.
                let mut keep = vec![Expr::Wildcard { qualifier: None }];
                keep.extend(items.into_iter().enumerate().map(|(i, item)| Expr::Alias {
                    expr: Box::new(item.unaliased().clone()),
                    name: value_name(i),
                }));
                let names = (0..values.len()).map(value_name).collect();
                (from.select(&keep)?, names, values, None, Some(correlation))
            }
            _ => return Err(error),
        },
    };
    let width = values.len();
    let pair = |i: usize| Expr::Binary {
        left: Box::new(values[i].clone()),
        op: crate::expr::BinaryOp::Eq,
        right: Box::new(Expr::Column {
            qualifier: qualifier.clone(),
            name: names[i].clone(),
        }),
    };
    let and = |a: Expr, b: Expr| Expr::Binary {
        left: Box::new(a),
        op: crate::expr::BinaryOp::And,
        right: Box::new(b),
    };
    let (condition, how) = if !negated {
        (
            (1..width).fold(pair(0), |all, i| and(all, pair(i))),
            JoinType::Semi,
        )
    } else if width == 1 && correlation.is_none() {
        // NOT IN is null-aware, as in Spark (a NULL in the subquery keeps no row).
        (pair(0), JoinType::NullAwareAnti)
    } else {
        // Spark's rewrite of a multi-column or correlated NOT IN: a row goes when some
        // subquery row equals it or compares as unknown in every column.
        let maybe = |i: usize| Expr::Binary {
            left: Box::new(pair(i)),
            op: crate::expr::BinaryOp::Or,
            right: Box::new(Expr::IsNull {
                expr: Box::new(pair(i)),
                negated: false,
            }),
        };
        (
            (1..width).fold(maybe(0), |all, i| and(all, maybe(i))),
            JoinType::Anti,
        )
    };
    let condition = match correlation {
        None => condition,
        Some(correlation) => and(condition, correlation),
    };
    frame.join_on(sub, &condition, how)
}

/// A correlated IN subquery `SELECT e FROM r WHERE c` (no grouping, no DISTINCT, no LIMIT):
/// the relation r, the select list's expressions, and c, which names outer columns.
fn correlated_in_parts(
    subquery: &ast::Query,
    catalog: &Catalog,
) -> Option<Result<(Frame, Vec<Expr>, Expr)>> {
    let ast::SetExpr::Select(select) = subquery.body.as_ref() else {
        return None;
    };
    let simple = select.from.len() == 1
        && select.having.is_none()
        && select.distinct.is_none()
        && select.lateral_views.is_empty()
        && select.named_window.is_empty()
        && matches!(&select.group_by, ast::GroupByExpr::Expressions(g, m) if g.is_empty() && m.is_empty())
        && subquery.with.is_none()
        && subquery.limit_clause.is_none()
        && subquery.fetch.is_none();
    let condition = select.selection.as_ref().filter(|_| simple)?;
    Some((|| {
        let from = plan_from(&select.from[0], catalog)?;
        let items: Vec<Expr> = select
            .projection
            .iter()
            .map(convert_select_item)
            .collect::<Result<_>>()?;
        let items = from.expand_wildcards(&items)?;
        if items
            .iter()
            .any(|i| i.contains_aggregate() || i.contains_window())
        {
            return Err(unsupported("a correlated IN subquery that aggregates"));
        }
        Ok((from, items, convert(condition)?))
    })())
}

/// WHERE: `x [NOT] IN (SELECT ...)` conjuncts become semi / anti joins, the rest a filter.
fn plan_where(mut frame: Frame, selection: &ast::Expr, catalog: &Catalog) -> Result<Frame> {
    let mut rest = Vec::new();
    // Conditions holding an IN subquery below their top, and those subqueries (numbered
    // across the whole WHERE).
    let mut with_in_answers: Vec<ast::Expr> = Vec::new();
    let mut in_subqueries = Vec::new();
    for part in split_and(selection) {
        match part {
            ast::Expr::In {
                expr,
                target: ast::InTarget::Subquery(subquery),
                negated,
                ..
            } => {
                frame = plan_in_subquery(frame, expr, subquery, *negated, catalog)?;
            }
            ast::Expr::Exists { subquery, negated } => {
                // A correlated EXISTS is a semi join on its WHERE (NOT EXISTS: an anti join).
                let select = match subquery.body.as_ref() {
                    ast::SetExpr::Select(s)
                        if s.from.len() == 1
                            && s.having.is_none()
                            && matches!(&s.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
                            && subquery.limit_clause.is_none() =>
                    {
                        s
                    }
                    _ => {
                        return Err(unsupported(
                            "EXISTS over anything but SELECT ... FROM ... WHERE",
                        ))
                    }
                };
                let condition = select.selection.as_ref().ok_or_else(|| {
                    unsupported("EXISTS without a WHERE that refers to the outer query")
                })?;
                let sub = plan_from(&select.from[0], catalog)?;
                let how = if *negated {
                    JoinType::Anti
                } else {
                    JoinType::Semi
                };
                frame = frame.join_on(sub, &convert(condition)?, how)?;
            }
            other if !has_in_subquery(other) => rest.push(convert(other)?),
            // An IN subquery inside a larger condition gives a column of its answer.
            other => {
                let mut condition = other.clone();
                take_in_subqueries(&mut condition, &mut in_subqueries);
                with_in_answers.push(condition);
            }
        }
    }
    let mut helpers = Vec::new();
    for taken in in_subqueries {
        frame = attach_in_result(frame, taken, catalog, &mut helpers)?;
    }
    for condition in &with_in_answers {
        rest.push(convert(condition)?);
    }
    if !rest.is_empty() {
        let condition = crate::expr::parse::join_chain(rest, crate::expr::BinaryOp::And);
        frame = frame.filter(&condition)?;
    }
    if !helpers.is_empty() {
        frame = frame.drop(&helpers)?;
    }
    Ok(frame)
}

/// Whether `e` holds `x IN (SELECT ...)` below its top.
fn has_in_subquery(e: &ast::Expr) -> bool {
    let mut pending: Vec<&ast::Expr> = vec![e];
    while let Some(e) = pending.pop() {
        match e {
            ast::Expr::In {
                target: ast::InTarget::Subquery(_),
                ..
            } => return true,
            other => pending.extend(subexpressions(other)),
        }
    }
    false
}

/// The conjuncts of `e` (through parentheses), left to right, found without recursion.
fn split_and(e: &ast::Expr) -> Vec<&ast::Expr> {
    let mut out = Vec::new();
    let mut pending = vec![e];
    while let Some(next) = pending.pop() {
        match next {
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::And,
                right,
            } => {
                pending.push(right);
                pending.push(left);
            }
            ast::Expr::Nested(inner)
                if matches!(
                    inner.as_ref(),
                    ast::Expr::BinaryOp {
                        op: ast::BinaryOperator::And,
                        ..
                    }
                ) =>
            {
                pending.push(inner)
            }
            other => out.push(other),
        }
    }
    out
}

/// FROM's relations: none is one row of no columns (`SELECT 1`); `FROM a, b` is a cross join.
fn plan_from_list(from: &[ast::TableWithJoins], catalog: &Catalog) -> Result<Frame> {
    match from.split_first() {
        None => Ok(Frame::one_row()),
        Some((first, others)) => {
            let mut frame = plan_from(first, catalog)?;
            for other in others {
                frame = frame.cross_join(plan_from(other, catalog)?);
            }
            Ok(frame)
        }
    }
}

fn plan_select(select: &ast::Select, catalog: &Catalog, order: &[SortExpr]) -> Result<Frame> {
    refuse_select_clauses(select)?;
    // `WINDOW w AS (...)`: `OVER w` in this SELECT means that window.
    let mut windows: Vec<(String, ast::WindowSpec)> = Vec::new();
    for ast::NamedWindowDefinition(name, definition) in &select.named_window {
        let spec = match definition {
            ast::NamedWindowExpr::WindowSpec(spec) => spec.clone(),
            ast::NamedWindowExpr::NamedWindow(other) => windows
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&other.value))
                .map(|(_, spec)| spec.clone())
                .ok_or_else(|| {
                    Error::analysis(format!(
                        "Window specification {other} is not defined in the WINDOW clause"
                    ))
                })?,
        };
        if windows
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&name.value))
        {
            return Err(Error::analysis(format!(
                "The definition of window `{name}` is repetitive"
            )));
        }
        windows.push((name.value.clone(), spec));
    }
    crate::expr::parse::with_named_windows(windows, || plan_select_body(select, catalog, order))
}

fn plan_select_body(select: &ast::Select, catalog: &Catalog, order: &[SortExpr]) -> Result<Frame> {
    // Without FROM a SELECT reads one row of no columns (`SELECT 1`); `FROM a, b` is a cross
    // join (WHERE then filters the pairs).
    let mut frame = plan_from_list(&select.from, catalog)?;
    // LATERAL VIEW [OUTER] explode(a) t AS x: after FROM, before WHERE (which may use x).
    for view in &select.lateral_views {
        let ast::LateralView {
            lateral_view,
            lateral_view_name,
            lateral_col_alias,
            outer,
        } = view;
        let call = convert(lateral_view)?;
        let Some((array, position, outer_call)) = generator_call(&call) else {
            return Err(unsupported(format!(
                "LATERAL VIEW {lateral_view} (explode, posexplode and their _outer forms are)"
            )));
        };
        let names: Vec<String> = lateral_col_alias.iter().map(|i| i.value.clone()).collect();
        let name = lateral_view_name.to_string();
        frame = frame.generate(array, position, *outer || outer_call, &names, Some(&name))?;
    }
    let mut subqueries = 0;
    if let Some(selection) = select
        .selection
        .as_ref()
        .filter(|s| !has_scalar_subquery(s))
    {
        frame = plan_where(frame, selection, catalog)?;
    } else if let Some(selection) = &select.selection {
        let mut selection = selection.clone();
        let mut found = Vec::new();
        take_scalar_subqueries(&mut selection, &mut found, &mut subqueries);
        let mut attached: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
        let (with_values, helpers) = attach_subqueries(frame, found, catalog)?;
        attached.extend(helpers);
        frame = plan_where(with_values, &selection, catalog)?;
        if !attached.is_empty() {
            frame = frame.drop(&attached)?;
        }
    }
    // SORT BY sorts within each partition and CLUSTER BY distributes, then sorts within
    // partitions: one global sort satisfies both. DISTRIBUTE BY only places rows, which
    // changes no answer here. Spark takes one of them, or DISTRIBUTE BY with SORT BY, and not
    // with ORDER BY.
    let partition_sort: Vec<SortExpr>;
    let order = if select.sort_by.is_empty()
        && select.cluster_by.is_empty()
        && select.distribute_by.is_empty()
    {
        order
    } else {
        if !order.is_empty()
            || (!select.cluster_by.is_empty() && !select.sort_by.is_empty())
            || (!select.cluster_by.is_empty() && !select.distribute_by.is_empty())
        {
            return Err(Error::analysis(
                "Combination of ORDER BY/SORT BY/DISTRIBUTE BY/CLUSTER BY is not supported",
            ));
        }
        partition_sort = select
            .sort_by
            .iter()
            .map(convert_sort)
            .chain(select.cluster_by.iter().map(|e| {
                Ok(SortExpr {
                    expr: convert(e)?,
                    descending: false,
                    nulls_first: true,
                })
            }))
            .collect::<Result<_>>()?;
        for e in &select.distribute_by {
            convert(e)?;
        }
        &partition_sort
    };
    // Scalar subqueries in the select list become columns attached below (a bare one is named
    // as Spark names it); `*` still means the input's columns.
    let has_subquery = |item: &ast::SelectItem| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
            has_scalar_subquery(e)
        }
        _ => false,
    };
    let mut projection = if select.projection.iter().any(has_subquery) {
        select.projection.clone()
    } else {
        Vec::new()
    };
    let mut found = Vec::new();
    let before_select = subqueries;
    for item in &mut projection {
        if let ast::SelectItem::UnnamedExpr(e @ ast::Expr::Subquery(_)) = item {
            *item = ast::SelectItem::ExprWithAlias {
                expr: e.clone(),
                alias: ast::Ident::new("scalarsubquery()"),
            };
        }
        if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } =
            item
        {
            take_scalar_subqueries(e, &mut found, &mut subqueries);
        }
    }
    // HAVING's scalar subqueries too: one value per query, as the select list's.
    let mut having_ast = select.having.clone();
    if let Some(h) = having_ast.as_mut().filter(|h| has_scalar_subquery(h)) {
        take_scalar_subqueries(h, &mut found, &mut subqueries);
    }
    // Copied (and rewritten) only when it has a subquery: a generated select list can be long.
    let source = if projection.is_empty() {
        &select.projection
    } else {
        &projection
    };
    let items: Vec<Expr> = source
        .iter()
        .map(convert_select_item)
        .collect::<Result<_>>()?;
    let items = frame.expand_wildcards(&items)?;
    let select_subqueries = subqueries - before_select;
    // Helper columns of correlated subqueries are never named by the (already expanded) items.
    let select_subquery_names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
    let (frame, helpers) = attach_subqueries(frame, found, catalog)?;
    // A generator in the select list (`SELECT explode(a) AS x, b`) runs before the projection.
    let (frame, items, generated) = select_generator(frame, items)?;
    // GROUP BY items: positions and select aliases stand for select expressions.
    let star = select.projection.iter().any(|p| {
        matches!(
            p,
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
        )
    });
    let options = catalog.options;
    let resolve_key = |e: &ast::Expr| -> Result<Expr> {
        let e = convert(e)?;
        let position = if options.group_by_ordinal {
            ordinal(&e)?
        } else {
            None
        };
        if let Some(i) = position {
            if star {
                return Err(Error::analysis(
                    "Star (*) is not allowed in select list when GROUP BY ordinal position is used",
                ));
            }
            return items
                .get(i)
                .map(|item| item.unaliased().clone())
                .ok_or_else(|| {
                    Error::analysis(format!(
                        "GROUP BY position {} is not in the select list",
                        i + 1
                    ))
                });
        }
        Ok(if options.group_by_aliases {
            substitute_alias(&e, &items, &frame)
        } else {
            e
        })
    };
    let (group, sets) = match &select.group_by {
        ast::GroupByExpr::Expressions(exprs, modifiers) => {
            grouping_sets(exprs, modifiers, &resolve_key)?
        }
        ast::GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
    };
    let having = having_ast.as_ref().map(convert).transpose()?;
    // Spark 3.3 sorts above HAVING's filter, where only the select list's columns and the
    // grouping keys are in reach: an aggregate in ORDER BY (other than by its alias) fails there.
    if having.is_some() && order.iter().any(|s| s.expr.contains_aggregate()) {
        return Err(Error::analysis(format!(
            "cannot resolve ORDER BY {} after HAVING (as Spark 3.3): give the aggregate an alias \
             in the select list and order by the alias",
            order
                .iter()
                .find(|s| s.expr.contains_aggregate())
                .map_or(String::new(), |s| s.expr.name())
        )));
    }
    let aggregated = !group.is_empty()
        || sets.is_some()
        || having.is_some()
        || items.iter().any(|i| i.contains_aggregate());
    if aggregated && generated {
        return Err(unsupported(
            "explode in the select list of an aggregating query (explode in a subquery or a \
             LATERAL VIEW, then aggregate)",
        ));
    }
    // A scalar subquery has one value per query: grouping by it as well keeps the groups and
    // lets the select list use it. A global aggregate (one row even over no rows) and grouping
    // sets (which would null it) cannot take it so.
    let mut group = group;
    if aggregated && select_subqueries > 0 {
        if group.is_empty() || sets.is_some() || !helpers.is_empty() {
            return Err(unsupported(
                "a correlated scalar subquery, or one in the select list of a global aggregate \
                 or of grouping sets, in an aggregating query (compute it in a WITH and JOIN \
                 it, or use it in WHERE)",
            ));
        }
        group.extend(select_subquery_names.iter().map(|name| Expr::column(name)));
    }
    // ORDER BY positions and aliases stand for select expressions.
    let order: Vec<SortExpr> = order
        .iter()
        .map(|s| {
            let position = if options.order_by_ordinal {
                ordinal(&s.expr)?
            } else {
                None
            };
            let expr = match position {
                Some(i) => items
                    .get(i)
                    .map(|item| item.unaliased().clone())
                    .ok_or_else(|| {
                        Error::analysis(format!(
                            "ORDER BY position {} is not in the select list",
                            i + 1
                        ))
                    })?,
                None => substitute_alias(&s.expr, &items, &frame),
            };
            Ok(SortExpr { expr, ..s.clone() })
        })
        .collect::<Result<_>>()?;
    let distinct = match &select.distinct {
        None | Some(ast::Distinct::All) => false,
        Some(ast::Distinct::Distinct) => true,
        Some(other) => return Err(unsupported(other)),
    };
    if aggregated {
        let having = having.map(|h| substitute_alias(&h, &items, &frame));
        let (frame, hidden) =
            frame.aggregate_with(&group, sets.as_deref(), &items, having.as_ref(), &order)?;
        let visible = frame.schema().fields().len() - hidden;
        let frame = frame.keep_columns(visible);
        return if distinct {
            frame.distinct()
        } else {
            Ok(frame)
        };
    }
    // Window functions become columns (`#w0`, ...) of a Window operator under the projection;
    // ORDER BY may name them too (through an alias, substituted above).
    let keys: Vec<Expr> = order.iter().map(|s| s.expr.clone()).collect();
    let (mut frame, items, keys) = frame.window(&items, &keys)?;
    let order: Vec<SortExpr> = order
        .into_iter()
        .zip(keys)
        .map(|(s, expr)| SortExpr { expr, ..s })
        .collect();
    // Sort before projecting, so ORDER BY may use columns the select list drops.
    if distinct {
        let frame = frame.select(&items)?.distinct()?;
        return order_output(
            frame,
            &order_by_output_names(&order, &items),
            catalog.options.order_by_ordinal,
        );
    }
    if !order.is_empty() {
        frame = frame.order_by(&order)?;
    }
    frame.select(&items)
}

/// `explode(a)`, `posexplode(a)` and their `_outer` forms: (the array, with positions, outer).
fn generator_call(e: &Expr) -> Option<(&Expr, bool, bool)> {
    let Expr::Call { name, args, .. } = e else {
        return None;
    };
    let (position, outer) = match name.as_str() {
        "explode" => (false, false),
        "explode_outer" => (false, true),
        "posexplode" => (true, false),
        "posexplode_outer" => (true, true),
        _ => return None,
    };
    match args.as_slice() {
        [array] => Some((array, position, outer)),
        _ => None,
    }
}

/// The select list's generator, if it has one: the frame gains its columns and the item
/// becomes references to them (`col`, or `pos, col`, or the alias). Spark allows one.
fn select_generator(frame: Frame, items: Vec<Expr>) -> Result<(Frame, Vec<Expr>, bool)> {
    let is_generator = |item: &Expr| generator_call(item.unaliased()).is_some();
    let count = items.iter().filter(|i| is_generator(i)).count();
    let nested = items.iter().filter(|i| !is_generator(i)).any(|i| {
        let mut found = false;
        i.visit(&mut |e| found |= generator_call(e).is_some());
        found
    });
    if nested {
        return Err(unsupported(
            "explode inside an expression (explode must be a select item of its own)",
        ));
    }
    if count == 0 {
        return Ok((frame, items, false));
    }
    if count > 1 {
        return Err(Error::analysis(
            "only one generator (explode, posexplode) is allowed per SELECT, as in Spark",
        ));
    }
    let Some(i) = items.iter().position(is_generator) else {
        return Ok((frame, items, false));
    };
    let item = items[i].clone();
    let Some((array, position, outer)) = generator_call(item.unaliased()) else {
        return Ok((frame, items, false));
    };
    if items.iter().any(|i| i.contains_aggregate()) {
        return Err(unsupported(
            "explode in the select list of an aggregating query (explode in a subquery or a \
             LATERAL VIEW, then aggregate)",
        ));
    }
    let names: Vec<String> = match &item {
        Expr::Alias { name, .. } => vec![name.clone()],
        _ => Vec::new(),
    };
    // With positions, one alias names the element; the position keeps its name.
    let names = match (position, names.as_slice()) {
        (true, [one]) => vec!["pos".to_string(), one.clone()],
        _ => names,
    };
    let frame = frame.generate(array, position, outer, &names, None)?;
    let schema = frame.schema();
    let width = schema.fields().len();
    let added: Vec<Expr> = (width - if position { 2 } else { 1 }..width)
        .map(|c| Expr::column(schema.field(c).name()))
        .collect();
    let mut out = items;
    out.splice(i..=i, added);
    Ok((frame, out, true))
}

/// Each grouping set as the positions of the GROUP BY keys it groups by.
type GroupingSets = Vec<Vec<usize>>;

/// GROUP BY's keys, and its grouping sets when it has ROLLUP, CUBE or GROUPING SETS (each set
/// the positions of the keys it groups by). Items combine as in Spark: `GROUP BY a, ROLLUP(b,
/// c)` groups by a with each of ROLLUP's sets; `WITH ROLLUP` / `WITH CUBE` apply to the list.
fn grouping_sets(
    exprs: &[ast::Expr],
    modifiers: &[ast::GroupByWithModifier],
    resolve: &dyn Fn(&ast::Expr) -> Result<Expr>,
) -> Result<(Vec<Expr>, Option<GroupingSets>)> {
    let mut keys: Vec<Expr> = Vec::new();
    let mut key_of = |e: &ast::Expr| -> Result<usize> {
        let key = resolve(e)?;
        let name = key.canonical_name();
        Ok(match keys.iter().position(|k| k.canonical_name() == name) {
            Some(i) => i,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        })
    };
    // Each item's sets; the query's sets are their cartesian product.
    let mut item_sets: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut any_sets = false;
    let mut plain: Vec<usize> = Vec::new();
    for e in exprs {
        let tuples = |lists: &Vec<Vec<ast::Expr>>,
                      key_of: &mut dyn FnMut(&ast::Expr) -> Result<usize>| {
            lists
                .iter()
                .map(|list| {
                    list.iter()
                        .map(&mut *key_of)
                        .collect::<Result<Vec<usize>>>()
                })
                .collect::<Result<Vec<Vec<usize>>>>()
        };
        match e {
            ast::Expr::Rollup(lists) => {
                any_sets = true;
                let groups = tuples(lists, &mut key_of)?;
                item_sets.push(rollup(&groups));
            }
            ast::Expr::Cube(lists) => {
                any_sets = true;
                let groups = tuples(lists, &mut key_of)?;
                item_sets.push(cube(&groups));
            }
            ast::Expr::GroupingSets(lists) => {
                any_sets = true;
                item_sets.push(tuples(lists, &mut key_of)?);
            }
            other => {
                let i = key_of(other)?;
                plain.push(i);
                item_sets.push(vec![vec![i]]);
            }
        }
    }
    match modifiers {
        [] => {}
        [ast::GroupByWithModifier::Rollup] | [ast::GroupByWithModifier::Cube] if !any_sets => {
            let groups: Vec<Vec<usize>> = plain.iter().map(|&i| vec![i]).collect();
            let sets = if matches!(modifiers[0], ast::GroupByWithModifier::Rollup) {
                rollup(&groups)
            } else {
                cube(&groups)
            };
            return Ok((keys, Some(sets)));
        }
        // Hive's `GROUP BY a, b GROUPING SETS ((a), ())`: the sets alone decide the grouping.
        [ast::GroupByWithModifier::GroupingSets(ast::Expr::GroupingSets(lists))] if !any_sets => {
            let sets = lists
                .iter()
                .map(|list| list.iter().map(&mut key_of).collect::<Result<Vec<usize>>>())
                .collect::<Result<Vec<Vec<usize>>>>()?;
            return Ok((keys, Some(sets)));
        }
        other => {
            return Err(unsupported(format!(
                "GROUP BY ... {}",
                other
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            )))
        }
    }
    if !any_sets {
        return Ok((keys, None));
    }
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    for options in &item_sets {
        let mut next = Vec::new();
        for set in &sets {
            for option in options {
                let mut combined = set.clone();
                combined.extend(option.iter().filter(|i| !set.contains(i)));
                next.push(combined);
            }
        }
        sets = next;
    }
    Ok((keys, Some(sets)))
}

/// ROLLUP(a, b): (a, b), (a), ().
fn rollup(groups: &[Vec<usize>]) -> Vec<Vec<usize>> {
    (0..=groups.len())
        .rev()
        .map(|n| groups[..n].concat())
        .collect()
}

/// CUBE(a, b): (a, b), (a), (b), () in Spark's order.
fn cube(groups: &[Vec<usize>]) -> Vec<Vec<usize>> {
    match groups.split_first() {
        None => vec![Vec::new()],
        Some((first, rest)) => {
            let tail = cube(rest);
            let mut out: Vec<Vec<usize>> = tail
                .iter()
                .map(|t| first.iter().chain(t).copied().collect())
                .collect();
            out.extend(tail);
            out
        }
    }
}

/// Uncorrelated scalar subqueries (`(SELECT max(x) FROM t)`) in `e` are taken out, each
/// replaced by a reference to the column that will hold its value (`scalarsubquery()`, as Spark
/// names it, then `scalarsubquery()#2`, ...). Subqueries inside subqueries stay where they are.
fn take_scalar_subqueries(
    e: &mut ast::Expr,
    found: &mut Vec<(String, ast::Query)>,
    count: &mut usize,
) {
    // An explicit stack: a generated filter can be an OR chain 100,000 deep.
    let mut pending: Vec<&mut ast::Expr> = vec![e];
    while let Some(e) = pending.pop() {
        if let ast::Expr::Subquery(query) = e {
            *count += 1;
            let name = if *count == 1 {
                "scalarsubquery()".to_string()
            } else {
                format!("scalarsubquery()#{count}")
            };
            found.push((name.clone(), query.as_ref().clone()));
            *e = ast::Expr::Identifier(ast::Ident::with_quote('`', name));
        } else {
            // Anywhere else a subquery stays, and the expression converter refuses it by name.
            let mut children = subexpressions_mut(e);
            children.reverse();
            pending.extend(children);
        }
    }
}

/// `x [NOT] IN (SELECT ...)` nested in a condition (under OR, NOT, CASE, ...) is taken out,
/// replaced by a reference to the column that will hold its three-valued answer (`__in_result0`,
/// ...): (name, tested value, subquery, negated) each.
fn take_in_subqueries(e: &mut ast::Expr, found: &mut Vec<(String, ast::Expr, ast::Query, bool)>) {
    let mut pending: Vec<&mut ast::Expr> = vec![e];
    while let Some(e) = pending.pop() {
        if let ast::Expr::In {
            expr,
            target: ast::InTarget::Subquery(query),
            negated,
            ..
        } = e
        {
            let name = format!("__in_result{}", found.len());
            found.push((
                name.clone(),
                expr.as_ref().clone(),
                query.as_ref().clone(),
                *negated,
            ));
            *e = ast::Expr::Identifier(ast::Ident::with_quote('`', name));
        } else {
            pending.extend(subexpressions_mut(e));
        }
    }
}

/// The column `name` beside every row of `frame`: `value IN (subquery)` with Spark's
/// three-valued answer (true on a match; null when the value is null or the subquery holds a
/// null and nothing matched; false otherwise, and always false over an empty subquery), from a
/// left join on the subquery's distinct values and its row counts. Helper columns are named in
/// `helpers`, to drop once the condition is evaluated.
fn attach_in_result(
    frame: Frame,
    (name, value, query, negated): (String, ast::Expr, ast::Query, bool),
    catalog: &Catalog,
    helpers: &mut Vec<String>,
) -> Result<Frame> {
    let sub = plan_query(&query, catalog)?;
    if sub.schema().fields().len() != 1 {
        return Err(unsupported(
            "IN (SELECT ...) of several columns inside a larger condition",
        ));
    }
    let k = &name["__in_result".len()..];
    let (v, n, nn, d) = (
        format!("__in_v{k}"),
        format!("__in_n{k}"),
        format!("__in_nn{k}"),
        format!("__in_d{k}"),
    );
    let sub = name_columns(sub, &[v.as_str()], "IN's subquery")?;
    let count = |args: Vec<Expr>, star: bool, alias: &str| Expr::Alias {
        expr: Box::new(Expr::Call {
            name: "count".into(),
            args,
            distinct: false,
            star,
        }),
        name: alias.to_string(),
    };
    let stats = sub.clone().aggregate(
        &[],
        &[
            count(Vec::new(), true, &n),
            count(vec![Expr::column(&v)], false, &nn),
        ],
    )?;
    let values = sub.distinct()?.alias(&d);
    let value = convert(&value)?;
    let matched = Expr::Binary {
        left: Box::new(value.clone()),
        op: crate::expr::BinaryOp::Eq,
        right: Box::new(Expr::Column {
            qualifier: Some(d.clone()),
            name: v.clone(),
        }),
    };
    let frame = frame
        .attach_single_row(stats)
        .join_on(values, &matched, JoinType::Left)?;
    let boolean = |b: Option<bool>| Expr::Cast {
        expr: Box::new(Expr::Literal {
            value: std::sync::Arc::new(arrow::array::BooleanArray::from(vec![b])),
            text: b.map_or("NULL".to_string(), |b| b.to_string()),
        }),
        to: DataType::Boolean,
    };
    let is_null = |e: Expr, negated: bool| Expr::IsNull {
        expr: Box::new(e),
        negated,
    };
    let answer = Expr::Case {
        operand: None,
        whens: vec![
            (
                Expr::Binary {
                    left: Box::new(Expr::column(&n)),
                    op: crate::expr::BinaryOp::Eq,
                    right: Box::new(Expr::Literal {
                        value: std::sync::Arc::new(arrow::array::Int64Array::from(vec![0])),
                        text: "0".into(),
                    }),
                },
                boolean(Some(false)),
            ),
            (is_null(value, false), boolean(None)),
            (is_null(Expr::column(&v), true), boolean(Some(true))),
            (
                Expr::Binary {
                    left: Box::new(Expr::column(&nn)),
                    op: crate::expr::BinaryOp::Lt,
                    right: Box::new(Expr::column(&n)),
                },
                boolean(None),
            ),
        ],
        otherwise: Some(Box::new(boolean(Some(false)))),
    };
    let answer = if negated {
        Expr::Not(Box::new(answer))
    } else {
        answer
    };
    helpers.extend([n, nn, v, name.clone()]);
    frame.with_column(&name, &answer)
}

/// Whether `e` has a scalar subquery where `take_scalar_subqueries` looks (a check that needs
/// no copy of a long generated expression).
fn has_scalar_subquery(e: &ast::Expr) -> bool {
    // An explicit stack: a generated filter can be an OR chain 100,000 deep.
    let mut pending: Vec<&ast::Expr> = vec![e];
    while let Some(e) = pending.pop() {
        match e {
            ast::Expr::Subquery(_) => return true,
            // `x IN (SELECT ...)` is not a scalar subquery; its tested value may hold one.
            other => pending.extend(subexpressions(other)),
        }
    }
    false
}

/// Each taken subquery planned and attached to `frame` as one column beside every row (null
/// when it gives no row; an error when it gives more than one, as in Spark).
fn attach_subqueries(
    mut frame: Frame,
    found: Vec<(String, ast::Query)>,
    catalog: &Catalog,
) -> Result<(Frame, Vec<String>)> {
    let mut helpers = Vec::new();
    for (n, (name, query)) in found.into_iter().enumerate() {
        let sub = match plan_query(&query, catalog) {
            Ok(sub) => sub,
            // A subquery that reads the outer query's columns is correlated.
            Err(error) => match correlated_subquery(frame, &name, n, &query, catalog, error)? {
                (f, added) => {
                    frame = f;
                    helpers.extend(added);
                    continue;
                }
            },
        };
        let width = sub.schema().fields().len();
        if width != 1 {
            return Err(Error::analysis(format!(
                "a scalar subquery must return one column, not {width}: ({query})"
            )));
        }
        let column = sub.schema().field(0).name().clone();
        let sub = sub.rename(&column, &name)?.alias("__scalar_subquery");
        frame = frame.attach_single_row(sub);
    }
    Ok((frame, helpers))
}

/// A correlated scalar subquery, `(SELECT agg(...) FROM t WHERE t.k = outer.k AND ...)`, as
/// Spark rewrites it: the subquery grouped by its side of the equalities, left-joined on them;
/// an outer row with no group gets the aggregate's value over no rows (0 for a count), told
/// apart by a flag. Returns the frame with column `name` and the helper columns to drop.
fn correlated_subquery(
    frame: Frame,
    name: &str,
    n: usize,
    query: &ast::Query,
    catalog: &Catalog,
    not_uncorrelated: Error,
) -> Result<(Frame, Vec<String>)> {
    let shape = || {
        unsupported(
            "this correlated scalar subquery (supported: one aggregate over FROM ... WHERE, \
             correlated by equalities between inner and outer columns)",
        )
    };
    let ast::SetExpr::Select(select) = query.body.as_ref() else {
        return Err(not_uncorrelated);
    };
    let Some(selection) = &select.selection else {
        return Err(not_uncorrelated);
    };
    let inner = plan_from_list(&select.from, catalog)?;
    let binds = |scope: &Frame, e: &ast::Expr| {
        convert(e)
            .ok()
            .is_some_and(|e| crate::expr::bind(&e, &scope.scope).is_ok())
    };
    let conjuncts = split_and(selection);
    let mut inner_predicates = Vec::new();
    let mut pairs: Vec<(ast::Expr, ast::Expr)> = Vec::new();
    for c in conjuncts {
        if binds(&inner, c) {
            inner_predicates.push(c.clone());
            continue;
        }
        match c {
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Eq,
                right,
            } if binds(&inner, left) && binds(&frame, right) => {
                pairs.push((left.as_ref().clone(), right.as_ref().clone()))
            }
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Eq,
                right,
            } if binds(&inner, right) && binds(&frame, left) => {
                pairs.push((right.as_ref().clone(), left.as_ref().clone()))
            }
            // A predicate over both queries' columns that is not an equality of the two sides.
            _ if convert(c).ok().is_some_and(|e| {
                crate::expr::bind(&e, &inner.scope.join(&frame.scope)).is_ok()
            }) =>
            {
                return Err(shape())
            }
            _ => return Err(not_uncorrelated),
        }
    }
    if pairs.is_empty() {
        return Err(not_uncorrelated);
    }
    let plain = query.with.is_none()
        && query.order_by.is_none()
        && query.limit_clause.is_none()
        && select.projection.len() == 1
        && select.having.is_none()
        && select.lateral_views.is_empty()
        && select.distinct.is_none()
        && matches!(&select.group_by, ast::GroupByExpr::Expressions(g, m) if g.is_empty() && m.is_empty());
    if !plain {
        return Err(shape());
    }
    let item = match &select.projection[0] {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return Err(shape()),
    };
    if !convert(item)?.contains_aggregate() {
        return Err(Error::analysis(format!(
            "correlated scalar subqueries must be aggregated, as in Spark: ({query})"
        )));
    }
    let helper = |what: &str| format!("#{what}{n}");
    let named = |e: ast::Expr, alias: String| ast::SelectItem::ExprWithAlias {
        expr: e,
        alias: ast::Ident::with_quote('`', alias),
    };
    let inner_filter = inner_predicates
        .into_iter()
        .reduce(|a, b| ast::Expr::BinaryOp {
            left: Box::new(a),
            op: ast::BinaryOperator::And,
            right: Box::new(b),
        });
    // The groups: one row per value of the inner side of the equalities.
    let mut grouped = select.as_ref().clone();
    grouped.projection = pairs
        .iter()
        .enumerate()
        .map(|(i, (inner_key, _))| named(inner_key.clone(), helper(&format!("ck{i}_"))))
        .chain([
            named(item.clone(), helper("value")),
            named(
                ast::Expr::Value(ast::Value::Boolean(true).into()),
                helper("matched"),
            ),
        ])
        .collect();
    grouped.selection = inner_filter.clone();
    grouped.group_by = ast::GroupByExpr::Expressions(
        pairs
            .iter()
            .map(|(inner_key, _)| inner_key.clone())
            .collect(),
        Vec::new(),
    );
    let groups = plan_select(&grouped, catalog, &[])?.alias(&helper("corr"));
    // The aggregate over no rows, for outer rows without a group.
    let mut empty = select.as_ref().clone();
    empty.projection = vec![named(item.clone(), helper("empty"))];
    let never = ast::Expr::Value(ast::Value::Boolean(false).into());
    empty.selection = Some(never);
    let empty = plan_select(&empty, catalog, &[])?.alias("__scalar_subquery");
    let condition = pairs
        .iter()
        .enumerate()
        .map(|(i, (_, outer_key))| {
            Ok(Expr::Binary {
                left: Box::new(convert(outer_key)?),
                op: crate::expr::BinaryOp::Eq,
                right: Box::new(Expr::Column {
                    qualifier: Some(helper("corr")),
                    name: helper(&format!("ck{i}_")),
                }),
            })
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .reduce(|a, b| Expr::Binary {
            left: Box::new(a),
            op: crate::expr::BinaryOp::And,
            right: Box::new(b),
        })
        .ok_or_else(shape)?;
    let joined = frame
        .join_on(groups, &condition, JoinType::Left)?
        .attach_single_row(empty);
    let value = Expr::Case {
        operand: None,
        whens: vec![(
            Expr::IsNull {
                expr: Box::new(Expr::column(&helper("matched"))),
                negated: false,
            },
            Expr::column(&helper("empty")),
        )],
        otherwise: Some(Box::new(Expr::column(&helper("value")))),
    };
    let frame = joined.with_column(name, &value)?;
    let mut helpers: Vec<String> = (0..pairs.len())
        .map(|i| helper(&format!("ck{i}_")))
        .collect();
    helpers.extend([helper("value"), helper("matched"), helper("empty")]);
    Ok((frame, helpers))
}

/// The SELECT clauses the engine does not support, each refused by name. Every field of the
/// SELECT is named here (no `..`), so a clause sqlparser adds cannot be ignored unnoticed.
fn refuse_select_clauses(select: &ast::Select) -> Result<()> {
    let ast::Select {
        select_token: _,
        // Hints (`/*+ BROADCAST(t) */`) choose a plan, never an answer.
        optimizer_hints: _,
        distinct: _,
        select_modifiers,
        top,
        top_before_distinct: _,
        projection: _,
        exclude,
        into,
        from: _,
        // Planned as generators by plan_select.
        lateral_views: _,
        prewhere,
        selection: _,
        connect_by,
        group_by: _,
        cluster_by: _,
        distribute_by: _,
        sort_by: _,
        having: _,
        // `OVER name` in the select list: see plan_select.
        named_window: _,
        qualify,
        window_before_qualify: _,
        value_table_mode,
        flavor,
    } = select;
    let refused = if select_modifiers.is_some() {
        Some("SELECT modifiers (HIGH_PRIORITY, SQL_CALC_FOUND_ROWS, ...)")
    } else if top.is_some() {
        Some("TOP n (use LIMIT n)")
    } else if exclude.is_some() {
        Some("SELECT * EXCLUDE")
    } else if into.is_some() {
        Some("SELECT ... INTO")
    } else if prewhere.is_some() {
        Some("PREWHERE")
    } else if !connect_by.is_empty() {
        Some("CONNECT BY")
    } else if qualify.is_some() {
        Some("QUALIFY (filter the windowed query in an outer SELECT)")
    } else if value_table_mode.is_some() {
        Some("SELECT AS STRUCT / AS VALUE")
    } else if !matches!(flavor, ast::SelectFlavor::Standard) {
        Some("FROM-first SELECT")
    } else {
        None
    };
    match refused {
        Some(what) => Err(unsupported(what)),
        None => Ok(()),
    }
}

/// After DISTINCT, ORDER BY refers to output columns: select expressions become their names.
fn order_by_output_names(order: &[SortExpr], items: &[Expr]) -> Vec<SortExpr> {
    order
        .iter()
        .map(|s| {
            let name = s.expr.name();
            let expr = match items.iter().find(|i| i.unaliased().name() == name) {
                Some(item) => Expr::column(&item.name()),
                None => s.expr.clone(),
            };
            SortExpr { expr, ..s.clone() }
        })
        .collect()
}

/// A bare name that is a select alias (and not a column of the input) stands for the aliased
/// expression, as Spark allows in GROUP BY, HAVING and ORDER BY.
fn substitute_alias(expr: &Expr, items: &[Expr], frame: &Frame) -> Expr {
    if let Expr::Column {
        qualifier: None,
        name,
    } = expr
    {
        if frame.scope.resolve(None, name).is_err() {
            if let Some(Expr::Alias { expr, .. }) = items.iter().find(|i| {
                matches!(i, Expr::Alias { name: alias, .. } if alias.eq_ignore_ascii_case(name))
            }) {
                return expr.as_ref().clone();
            }
        }
        return expr.clone();
    }
    // Aliases inside larger expressions (`ORDER BY revenue / 2`) resolve the same way.
    let mut out = expr.clone();
    replace_aliases(&mut out, items, frame);
    out
}

fn replace_aliases(expr: &mut Expr, items: &[Expr], frame: &Frame) {
    match expr {
        Expr::Column {
            qualifier: None, ..
        } => *expr = substitute_alias(expr, items, frame),
        Expr::Not(e) | Expr::Negate(e) => replace_aliases(e, items, frame),
        Expr::Binary { left, right, .. } => {
            replace_aliases(left, items, frame);
            replace_aliases(right, items, frame);
        }
        Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } | Expr::Alias { expr, .. } => {
            replace_aliases(expr, items, frame)
        }
        Expr::Call { args, .. } => args
            .iter_mut()
            .for_each(|a| replace_aliases(a, items, frame)),
        _ => {}
    }
}

/// A table name's parts as written (`csv.`data/x.csv`` is `csv` and `data/x.csv`).
pub fn name_parts(name: &ast::ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| {
            p.as_ident()
                .map(|i| i.value.clone())
                .unwrap_or_else(|| p.to_string())
        })
        .collect()
}

/// The file a table name stands for, with its format when the name gives one: ``csv.`path` ``
/// and ``parquet.`path` ``, or a path in backticks that is not a view (`is_view`) and names
/// an existing file or a glob (format from its extension).
pub fn file_reference(
    parts: &[String],
    is_view: impl Fn(&str) -> bool,
) -> Option<(String, Option<String>)> {
    match parts {
        [format, path] if ["csv", "parquet"].contains(&format.to_ascii_lowercase().as_str()) => {
            Some((path.clone(), Some(format.to_ascii_lowercase())))
        }
        [one]
            if !is_view(one)
                && (one.contains('/') || one.contains('.'))
                && (std::path::Path::new(one).exists() || one.contains('*')) =>
        {
            Some((one.clone(), None))
        }
        _ => None,
    }
}
