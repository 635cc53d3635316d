//! `Frame`: a plan and the scope its output is seen through, with the DataFrame operations
//! (filter, select, withColumn, groupBy/agg, join, union, distinct, orderBy, limit) that bind
//! their expressions and grow the plan. Names follow Spark's DataFrame API. Aggregation,
//! windows and joins (with union) are in their own files.

mod aggregate;
mod join;
mod window;

pub use window::WINDOW_FUNCTIONS;

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::{Plan, Scan, SortKey};
use crate::error::{Error, Result};
use crate::expr::{bind, BinaryOp, Bound, Expr, Scope, SortExpr, POSITION_QUALIFIER};
use crate::io::dataset::Dataset;

#[derive(Debug, Clone)]
pub struct Frame {
    pub plan: Plan,
    pub scope: Scope,
}

fn schema_of(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
}

/// `expr` with each `date + n` / `date - n` written as the date_add / date_sub call Spark
/// makes of it (its column name follows); anything that does not bind is left as it is.
fn name_date_arithmetic(expr: &Expr, scope: &Scope) -> Expr {
    match expr {
        // Boolean chains (a generated filter can be thousands deep) hold no date arithmetic
        // worth a name.
        Expr::Binary {
            op: BinaryOp::And | BinaryOp::Or,
            ..
        } => expr.clone(),
        Expr::Binary { left, op, right } => {
            let left = name_date_arithmetic(left, scope);
            let right = name_date_arithmetic(right, scope);
            let plus_or_minus = matches!(op, BinaryOp::Plus | BinaryOp::Minus);
            let types = plus_or_minus.then(|| (bind(&left, scope), bind(&right, scope)));
            if let Some((Ok(l), Ok(r))) = types {
                if let Some((name, date_first)) =
                    crate::expr::bind::date_arithmetic(*op, &l.data_type(), &r.data_type())
                {
                    let args = if date_first {
                        vec![left, right]
                    } else {
                        vec![right, left]
                    };
                    return Expr::Call {
                        name: name.to_string(),
                        args,
                        distinct: false,
                        star: false,
                    };
                }
            }
            Expr::Binary {
                left: Box::new(left),
                op: *op,
                right: Box::new(right),
            }
        }
        Expr::Alias { expr, name } => Expr::Alias {
            expr: Box::new(name_date_arithmetic(expr, scope)),
            name: name.clone(),
        },
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } if !expr.is_aggregate_call() => Expr::Call {
            name: name.clone(),
            args: args
                .iter()
                .map(|a| name_date_arithmetic(a, scope))
                .collect(),
            distinct: *distinct,
            star: *star,
        },
        Expr::Cast { expr, to } => Expr::Cast {
            expr: Box::new(name_date_arithmetic(expr, scope)),
            to: to.clone(),
        },
        other => other.clone(),
    }
}

impl Frame {
    /// Read every column of a dataset; `qualifier` names it for `t.col` references.
    pub fn scan(dataset: Arc<Dataset>, qualifier: Option<String>) -> Frame {
        let columns = (0..dataset.schema.fields().len()).collect();
        let plan = Plan::Scan(Scan {
            dataset: dataset.clone(),
            columns,
            filters: Vec::new(),
            limit: None,
            top_n: None,
        });
        Frame {
            scope: Scope::qualified(plan.schema(), qualifier),
            plan,
        }
    }

    /// One row of no columns, for a SELECT without FROM.
    pub fn one_row() -> Frame {
        Frame {
            plan: Plan::OneRow,
            scope: Scope::new(Arc::new(arrow::datatypes::Schema::empty())),
        }
    }

    /// Rows given as values: `columns` are (name, one array per column, all of one length).
    /// Each row is a one-row select; no rows is a select filtered to nothing.
    /// `range(start, end, step)`: a column `id` of bigints.
    pub fn range(start: i64, end: i64, step: i64) -> Frame {
        let plan = Plan::Range { start, end, step };
        let scope = Scope::new(plan.schema());
        Frame { plan, scope }
    }

    pub fn literal_rows(columns: &[(&str, ArrayRef)]) -> Result<Frame> {
        let rows = columns.first().map_or(0, |(_, a)| a.len());
        let row = |i: usize| -> Vec<Expr> {
            columns
                .iter()
                .map(|(name, values)| Expr::Alias {
                    expr: Box::new(Expr::Literal {
                        value: values.slice(i.min(values.len().saturating_sub(1)), 1),
                        text: (*name).to_string(),
                    }),
                    name: (*name).to_string(),
                })
                .collect()
        };
        if rows == 0 {
            let nulls: Vec<Expr> = columns
                .iter()
                .map(|(name, values)| Expr::Alias {
                    expr: Box::new(Expr::Literal {
                        value: arrow::array::new_null_array(values.data_type(), 1),
                        text: "NULL".to_string(),
                    }),
                    name: (*name).to_string(),
                })
                .collect();
            let never = Expr::Literal {
                value: Arc::new(arrow::array::BooleanArray::from(vec![false])),
                text: "false".to_string(),
            };
            return Frame::one_row().select(&nulls)?.filter(&never);
        }
        let mut frame = Frame::one_row().select(&row(0))?;
        for i in 1..rows {
            frame = frame.union(Frame::one_row().select(&row(i))?, false)?;
        }
        Ok(frame)
    }

    pub fn schema(&self) -> SchemaRef {
        self.scope.schema.clone()
    }

    /// The same rows seen under another table name (`FROM t AS x`).
    pub fn alias(mut self, qualifier: &str) -> Frame {
        let hidden = std::mem::take(&mut self.scope.hidden);
        self.scope = Scope::qualified(self.scope.schema.clone(), Some(qualifier.to_string()));
        // A USING join's own key copies stay behind its merged keys under the new name too.
        self.scope.hidden = hidden;
        self
    }

    pub fn filter(self, condition: &Expr) -> Result<Frame> {
        if condition.contains_aggregate() {
            return Err(Error::analysis(format!(
                "aggregate functions are not allowed in a filter: {}",
                condition.name()
            )));
        }
        let predicate = bind(condition, &self.scope)?;
        match predicate.data_type() {
            DataType::Boolean => {}
            DataType::Null => {}
            other => {
                return Err(Error::analysis(format!(
                    "filter '{}' is not a condition: it gives {}, not boolean",
                    condition.name(),
                    crate::types::names::spark_type_name(&other)
                )))
            }
        }
        let predicate = predicate.cast_to(&DataType::Boolean);
        Ok(Frame {
            plan: Plan::Filter {
                input: Box::new(self.plan),
                predicate,
            },
            scope: self.scope,
        })
    }

    /// Expand `*` and `t.*` in a select list into column references.
    pub fn expand_wildcards(&self, items: &[Expr]) -> Result<Vec<Expr>> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Expr::Wildcard { qualifier } => {
                    let mut any = false;
                    let lower = qualifier.as_ref().map(|q| q.to_ascii_lowercase());
                    let named = |i: usize| {
                        self.scope.qualifiers[i]
                            .as_deref()
                            .is_some_and(|q| Some(q.to_ascii_lowercase()) == lower)
                    };
                    // `*`: the columns shown. `t.*`: t's hidden key copies first, then its
                    // shown columns, as Spark expands it over a USING join.
                    let width = self.scope.schema.fields().len();
                    let columns: Vec<usize> = match qualifier {
                        None => (0..width).filter(|&i| !self.scope.hidden[i]).collect(),
                        Some(_) => (0..width)
                            .filter(|&i| self.scope.hidden[i] && named(i))
                            .chain((0..width).filter(|&i| !self.scope.hidden[i] && named(i)))
                            .collect(),
                    };
                    for i in columns {
                        let field = self.scope.schema.field(i);
                        any = true;
                        // A name that two columns share under one qualifier (a self-join
                        // without aliases) is taken by position.
                        let shared = self.scope.schema.fields().iter().enumerate().any(|(j, g)| {
                            j != i
                                && g.name().eq_ignore_ascii_case(field.name())
                                && self.scope.qualifiers[j] == self.scope.qualifiers[i]
                        });
                        let qualifier = if shared {
                            Some(format!("{POSITION_QUALIFIER}{i}"))
                        } else {
                            self.scope.qualifiers[i].clone()
                        };
                        out.push(Expr::Column {
                            qualifier,
                            name: field.name().clone(),
                        });
                    }
                    if !any {
                        return Err(Error::analysis(format!(
                            "'{}.*' matches no columns; the columns are: {}",
                            qualifier.as_deref().unwrap_or(""),
                            self.scope.describe()
                        )));
                    }
                }
                other => out.push(other.clone()),
            }
        }
        Ok(out)
    }

    /// `select(...)`: one output column per item (`*` expands); aggregates make it a global
    /// aggregation, as `df.select(sum("x"))` is in Spark.
    pub fn select(self, items: &[Expr]) -> Result<Frame> {
        let items = self.expand_wildcards(items)?;
        // `d + 1` over a date is Spark's date_add(d, 1), and named so.
        let items: Vec<Expr> = items
            .iter()
            .map(|item| name_date_arithmetic(item, &self.scope))
            .collect();
        if items.iter().any(|i| i.contains_aggregate()) {
            return self.aggregate(&[], &items);
        }
        let mut exprs = Vec::new();
        let mut fields = Vec::new();
        let mut qualifiers = Vec::new();
        for item in &items {
            let bound = bind(item, &self.scope)?;
            // A plain column keeps its table name (so `t.x` still resolves above).
            let qualifier = match (item, &bound) {
                (Expr::Column { .. }, Bound::Column { index, .. }) => {
                    self.scope.qualifiers[*index].clone()
                }
                _ => None,
            };
            fields.push(Field::new(item.output_name(), bound.data_type(), true));
            qualifiers.push(qualifier);
            exprs.push(bound);
        }
        let mut frame = self.project(exprs, fields, qualifiers);
        // What a select list names is its output, reachable by plain name.
        frame.scope.hidden.fill(false);
        Ok(frame)
    }

    fn project(
        self,
        exprs: Vec<Bound>,
        fields: Vec<Field>,
        qualifiers: Vec<Option<String>>,
    ) -> Frame {
        let schema = schema_of(fields);
        // A column passed through as it is stays hidden when it was.
        let hidden = exprs
            .iter()
            .zip(&qualifiers)
            .map(|(e, q)| match e {
                Bound::Column { index, .. } => {
                    self.scope.hidden[*index] && self.scope.qualifiers[*index] == *q
                }
                _ => false,
            })
            .collect();
        Frame {
            plan: Plan::Project {
                input: Box::new(self.plan),
                exprs,
                schema: schema.clone(),
            },
            scope: Scope {
                schema,
                qualifiers,
                hidden,
            },
        }
    }

    /// Every column as it is, for rewriting a few.
    fn identity(&self) -> (Vec<Bound>, Vec<Field>, Vec<Option<String>>) {
        let exprs = self
            .scope
            .schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| Bound::column(i, f.data_type().clone()))
            .collect();
        let fields = self
            .scope
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        (exprs, fields, self.scope.qualifiers.clone())
    }

    /// `withColumn(name, expr)`: replaces a column of that name, or adds one at the end.
    pub fn with_column(self, name: &str, expr: &Expr) -> Result<Frame> {
        if expr.contains_aggregate() {
            return Err(Error::analysis(format!(
                "aggregate functions are not allowed in --with-column: {}",
                expr.name()
            )));
        }
        let bound = bind(expr, &self.scope)?;
        let (mut exprs, mut fields, mut qualifiers) = self.identity();
        let field = Field::new(name, bound.data_type(), true);
        match fields
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(name))
        {
            Some(i) => {
                exprs[i] = bound;
                fields[i] = field;
                qualifiers[i] = None;
            }
            None => {
                exprs.push(bound);
                fields.push(field);
                qualifiers.push(None);
            }
        }
        Ok(self.project(exprs, fields, qualifiers))
    }

    /// `drop(cols)`: names that do not exist are ignored, as in Spark.
    pub fn drop(self, names: &[String]) -> Result<Frame> {
        let (exprs, fields, qualifiers) = self.identity();
        let keep: Vec<usize> = (0..fields.len())
            .filter(|&i| {
                !names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(fields[i].name()))
            })
            .collect();
        Ok(self.project(
            keep.iter().map(|&i| exprs[i].clone()).collect(),
            keep.iter().map(|&i| fields[i].clone()).collect(),
            keep.iter().map(|&i| qualifiers[i].clone()).collect(),
        ))
    }

    /// `withColumnRenamed(old, new)`: a missing column is not an error, as in Spark.
    pub fn rename(self, old: &str, new: &str) -> Result<Frame> {
        let (exprs, mut fields, qualifiers) = self.identity();
        for field in fields.iter_mut() {
            if field.name().eq_ignore_ascii_case(old) {
                *field = field.clone().with_name(new);
            }
        }
        Ok(self.project(exprs, fields, qualifiers))
    }

    /// The columns `*` shows, renamed in order to `names` (`t (a, b)` after a relation); the
    /// caller checks the count against `visible_width`.
    pub fn rename_visible(self, names: &[&str]) -> Frame {
        let mut exprs = Vec::new();
        let mut fields = Vec::new();
        let mut qualifiers = Vec::new();
        let visible = (0..self.scope.schema.fields().len()).filter(|&i| !self.scope.hidden[i]);
        for (i, name) in visible.zip(names) {
            let field = self.scope.schema.field(i);
            exprs.push(Bound::column(i, field.data_type().clone()));
            fields.push(field.clone().with_name(*name));
            qualifiers.push(self.scope.qualifiers[i].clone());
        }
        self.project(exprs, fields, qualifiers)
    }

    /// Only the columns `*` shows (a USING join's own key copies dropped).
    pub fn without_hidden(self) -> Frame {
        if !self.scope.hidden.contains(&true) {
            return self;
        }
        let names: Vec<String> = self
            .scope
            .schema
            .fields()
            .iter()
            .zip(&self.scope.hidden)
            .filter(|(_, hidden)| !**hidden)
            .map(|(f, _)| f.name().clone())
            .collect();
        self.rename_visible(&names.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// How many columns `*` shows.
    pub fn visible_width(&self) -> usize {
        self.scope.hidden.iter().filter(|h| !**h).count()
    }

    /// Keep the first `n` columns (drops hidden sort columns).
    pub fn keep_columns(self, n: usize) -> Frame {
        let (exprs, fields, qualifiers) = self.identity();
        if n >= fields.len() {
            return self;
        }
        self.project(
            exprs[..n].to_vec(),
            fields[..n].to_vec(),
            qualifiers[..n].to_vec(),
        )
    }

    pub fn distinct(self) -> Result<Frame> {
        let keys: Vec<Bound> = self
            .scope
            .schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| Bound::column(i, f.data_type().clone()))
            .collect();
        let plan = Plan::Aggregate {
            input: Box::new(self.plan),
            keys,
            aggs: Vec::new(),
            schema: self.scope.schema.clone(),
        };
        Ok(Frame {
            plan,
            scope: self.scope,
        })
    }

    pub fn order_by(self, keys: &[SortExpr]) -> Result<Frame> {
        let mut bound = Vec::new();
        for key in keys {
            if key.expr.contains_aggregate() && self.scope.find_exact(&key.expr.name()).is_none() {
                return Err(Error::analysis(format!(
                    "aggregate functions are not allowed in --order-by: {}",
                    key.expr.name()
                )));
            }
            bound.push(SortKey {
                expr: bind(&key.expr, &self.scope)?,
                descending: key.descending,
                nulls_first: key.nulls_first,
            });
        }
        Ok(Frame {
            plan: Plan::Sort {
                input: Box::new(self.plan),
                keys: bound,
                limit: None,
            },
            scope: self.scope,
        })
    }

    pub fn limit(self, n: usize) -> Frame {
        self.limit_offset(Some(n), 0)
    }

    /// `LIMIT n OFFSET skip`: rows skip+1 to skip+n in order (all after skip without a limit),
    /// streamed: the skipped rows are read and dropped, nothing is held.
    pub fn limit_offset(self, n: Option<usize>, skip: usize) -> Frame {
        Frame {
            plan: Plan::Limit {
                input: Box::new(self.plan),
                n: n.map_or(usize::MAX, |n| n.saturating_add(skip)),
                skip,
            },
            scope: self.scope,
        }
    }
}

impl Frame {
    /// `explode(array)` / `posexplode(array)` (`position`), `outer` keeping rows whose array is
    /// null or empty: the input's columns, then the new ones named `names` (`col`, or `pos`
    /// and `col`, unless given), seen under `qualifier` (a LATERAL VIEW's name).
    pub fn generate(
        self,
        array: &Expr,
        position: bool,
        outer: bool,
        names: &[String],
        qualifier: Option<&str>,
    ) -> Result<Frame> {
        let bound = bind(array, &self.scope)?;
        let element = match bound.data_type() {
            DataType::List(field) => field.data_type().clone(),
            DataType::Map(_, _) => {
                return Err(Error::analysis(format!(
                    "exploding a map is not supported: {}",
                    array.name()
                )))
            }
            other => {
                return Err(Error::analysis(format!(
                    "explode needs an array, not {}: {}",
                    crate::types::names::spark_type_name(&other),
                    array.name()
                )))
            }
        };
        let defaults: &[&str] = if position { &["pos", "col"] } else { &["col"] };
        if !names.is_empty() && names.len() != defaults.len() {
            return Err(Error::analysis(format!(
                "{} gives {} column{}, and {} name{} were given: {}",
                if position { "posexplode" } else { "explode" },
                defaults.len(),
                if defaults.len() == 1 { "" } else { "s" },
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                array.name()
            )));
        }
        let name = |i: usize| {
            names
                .get(i)
                .cloned()
                .unwrap_or_else(|| defaults[i].to_string())
        };
        let (_, mut fields, mut qualifiers) = self.identity();
        if position {
            fields.push(Field::new(name(0), DataType::Int32, true));
            qualifiers.push(qualifier.map(str::to_string));
        }
        fields.push(Field::new(name(defaults.len() - 1), element, true));
        qualifiers.push(qualifier.map(str::to_string));
        let schema = schema_of(fields);
        Ok(Frame {
            plan: Plan::Generate {
                input: Box::new(self.plan),
                array: bound,
                position,
                outer,
                schema: schema.clone(),
            },
            scope: self.scope.extended(schema, qualifiers),
        })
    }
}
