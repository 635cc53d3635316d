//! `Frame`: a plan and the scope its output is seen through, with the DataFrame operations
//! (filter, select, withColumn, groupBy/agg, join, union, distinct, orderBy, limit) that bind
//! their expressions and grow the plan. Names follow Spark's DataFrame API.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::{JoinType, Plan, Scan, SortKey, WindowExpr, WindowFunc};
use crate::error::{Error, Result};
use crate::expr::aggregates::signature::AggCall;
use crate::expr::bind::bind_aggregate;
use crate::expr::bind::bind_binary;
use crate::expr::{bind, BinaryOp, Bound, Expr, Scope, SortExpr};
use crate::io::dataset::Dataset;
use crate::types::coerce::common_type;

#[derive(Debug, Clone)]
pub struct Frame {
    pub plan: Plan,
    pub scope: Scope,
}

fn schema_of(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
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
        });
        Frame {
            scope: Scope::qualified(plan.schema(), qualifier),
            plan,
        }
    }

    pub fn schema(&self) -> SchemaRef {
        self.scope.schema.clone()
    }

    /// The same rows seen under another table name (`FROM t AS x`).
    pub fn alias(mut self, qualifier: &str) -> Frame {
        self.scope = Scope::qualified(self.scope.schema.clone(), Some(qualifier.to_string()));
        self
    }

    pub fn filter(self, condition: &Expr) -> Result<Frame> {
        if condition.contains_aggregate() {
            return Err(Error::usage(format!(
                "aggregate functions are not allowed in a filter: {}",
                condition.name()
            )));
        }
        let predicate = bind(condition, &self.scope)?;
        match predicate.data_type() {
            DataType::Boolean => {}
            DataType::Null => {}
            other => {
                return Err(Error::usage(format!(
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
                    for (i, field) in self.scope.schema.fields().iter().enumerate() {
                        let own = self.scope.qualifiers[i].as_deref();
                        if qualifier.is_none()
                            || own.is_some_and(|q| {
                                Some(q.to_ascii_lowercase())
                                    == qualifier.as_ref().map(|x| x.to_ascii_lowercase())
                            })
                        {
                            any = true;
                            out.push(Expr::Column {
                                qualifier: self.scope.qualifiers[i].clone(),
                                name: field.name().clone(),
                            });
                        }
                    }
                    if !any {
                        return Err(Error::usage(format!(
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
            fields.push(Field::new(item.name(), bound.data_type(), true));
            qualifiers.push(qualifier);
            exprs.push(bound);
        }
        Ok(self.project(exprs, fields, qualifiers))
    }

    fn project(
        self,
        exprs: Vec<Bound>,
        fields: Vec<Field>,
        qualifiers: Vec<Option<String>>,
    ) -> Frame {
        let schema = schema_of(fields);
        Frame {
            plan: Plan::Project {
                input: Box::new(self.plan),
                exprs,
                schema: schema.clone(),
            },
            scope: Scope { schema, qualifiers },
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
            return Err(Error::usage(format!(
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

    /// `groupBy(keys).agg(outputs)` when `outputs_only` is false gives keys then aggregates, as
    /// Spark's DataFrame API does; `aggregate` (used by SQL and global aggregates) gives exactly
    /// `outputs`, which may mix key expressions and aggregates (`round(sum(x), 2)`).
    pub fn group_by(self, keys: &[Expr], aggs: &[Expr]) -> Result<Frame> {
        let keys = self.expand_wildcards(keys)?;
        let mut outputs: Vec<Expr> = keys.clone();
        outputs.extend(aggs.iter().cloned());
        self.aggregate(&keys, &outputs)
    }

    pub fn aggregate(self, keys: &[Expr], outputs: &[Expr]) -> Result<Frame> {
        self.aggregate_with(keys, outputs, None, &[])
            .map(|(frame, _)| frame)
    }

    /// Aggregate with an optional HAVING condition and ORDER BY keys that may also refer to
    /// aggregates or keys (SQL); returns the frame and the bound sort keys over its output plus
    /// hidden columns, which the caller drops after sorting (`hidden` count is returned).
    pub fn aggregate_with(
        self,
        keys: &[Expr],
        outputs: &[Expr],
        having: Option<&Expr>,
        order_by: &[SortExpr],
    ) -> Result<(Frame, usize)> {
        let mut key_bound = Vec::new();
        let mut key_names = Vec::new();
        for key in keys {
            if key.contains_aggregate() {
                return Err(Error::usage(format!(
                    "aggregate functions are not allowed in GROUP BY: {}",
                    key.name()
                )));
            }
            key_bound.push(bind(key, &self.scope)?);
            key_names.push(key.unaliased().name());
        }
        let mut calls: Vec<AggCall> = Vec::new();
        let mut call_names: HashMap<String, usize> = HashMap::new();
        let mut rewrite = |expr: &Expr| -> Result<Expr> {
            rewrite_over_aggregate(expr, &key_names, &mut |call: &Expr| {
                let name = call.name();
                if let Some(&i) = call_names.get(&name) {
                    return Ok(i);
                }
                let bound = bind_aggregate(call, &self.scope)?;
                calls.push(bound);
                call_names.insert(name, calls.len() - 1);
                Ok(calls.len() - 1)
            })
        };
        let rewritten: Vec<Expr> = outputs.iter().map(&mut rewrite).collect::<Result<_>>()?;
        let having = having.map(&mut rewrite).transpose()?;
        let sort_rewritten: Vec<(Expr, &SortExpr)> = order_by
            .iter()
            .map(|s| Ok((rewrite(&s.expr)?, s)))
            .collect::<Result<_>>()?;
        // The aggregation's own output, seen through internal names by the rewritten outputs.
        let mut agg_fields = Vec::new();
        let mut internal = Vec::new();
        for (i, (k, name)) in key_bound.iter().zip(&key_names).enumerate() {
            agg_fields.push(Field::new(name, k.data_type(), true));
            internal.push(Field::new(format!("#k{i}"), k.data_type(), true));
        }
        for (i, call) in calls.iter().enumerate() {
            agg_fields.push(Field::new(&call.name, call.data_type.clone(), true));
            internal.push(Field::new(format!("#a{i}"), call.data_type.clone(), true));
        }
        let internal_scope = Scope::new(schema_of(internal));
        let plan = Plan::Aggregate {
            input: Box::new(self.plan),
            keys: key_bound,
            aggs: calls,
            schema: schema_of(agg_fields),
        };
        let mut frame = Frame {
            scope: Scope::new(plan.schema()),
            plan,
        };
        if let Some(having) = having {
            let predicate = bind(&having, &internal_scope)?.cast_to(&DataType::Boolean);
            frame.plan = Plan::Filter {
                input: Box::new(frame.plan),
                predicate,
            };
        }
        let mut exprs = Vec::new();
        let mut fields = Vec::new();
        for (original, expr) in outputs.iter().zip(&rewritten) {
            let bound = bind(expr, &internal_scope)?;
            fields.push(Field::new(original.name(), bound.data_type(), true));
            exprs.push(bound);
        }
        let visible = exprs.len();
        let mut sort_keys = Vec::new();
        for (expr, sort) in &sort_rewritten {
            // ORDER BY an output alias or a position is resolved by the caller; here, anything
            // over keys and aggregates is computed as a hidden column.
            let bound = bind(expr, &internal_scope)?;
            fields.push(Field::new(
                format!("#sort{}", sort_keys.len()),
                bound.data_type(),
                true,
            ));
            exprs.push(bound.clone());
            sort_keys.push(SortKey {
                expr: Bound::column(exprs.len() - 1, bound.data_type()),
                descending: sort.descending,
                nulls_first: sort.nulls_first,
            });
        }
        let hidden = exprs.len() - visible;
        let qualifiers = vec![None; fields.len()];
        let mut frame = frame.project(exprs, fields, qualifiers);
        if !sort_keys.is_empty() {
            frame.plan = Plan::Sort {
                input: Box::new(frame.plan),
                keys: sort_keys,
                limit: None,
            };
        }
        Ok((frame, hidden))
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

    /// Compute the window functions found in `items` and `also` (ORDER BY keys) as new columns
    /// (`#w0`, ...) and return the frame with both rewritten to use them (a bare window item
    /// keeps its Spark name).
    pub fn window(self, items: &[Expr], also: &[Expr]) -> Result<(Frame, Vec<Expr>, Vec<Expr>)> {
        let mut windows: Vec<Expr> = Vec::new();
        let rewritten: Vec<Expr> = items
            .iter()
            .map(|item| {
                let named = match item {
                    Expr::Window { .. } => Expr::Alias {
                        expr: Box::new(item.clone()),
                        name: item.name(),
                    },
                    other => other.clone(),
                };
                replace_windows(&named, &mut windows)
            })
            .collect();
        let also: Vec<Expr> = also
            .iter()
            .map(|e| replace_windows(e, &mut windows))
            .collect();
        if windows.is_empty() {
            return Ok((self, rewritten, also));
        }
        let mut functions = Vec::new();
        let mut fields: Vec<Field> = self
            .scope
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let mut qualifiers = self.scope.qualifiers.clone();
        for (i, w) in windows.iter().enumerate() {
            let bound = bind_window(w, &self.scope)?;
            fields.push(Field::new(format!("#w{i}"), bound.data_type.clone(), true));
            qualifiers.push(None);
            functions.push(bound);
        }
        let schema = schema_of(fields);
        let frame = Frame {
            plan: Plan::Window {
                input: Box::new(self.plan),
                functions,
                schema: schema.clone(),
            },
            scope: Scope { schema, qualifiers },
        };
        Ok((frame, rewritten, also))
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
                return Err(Error::usage(format!(
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
        Frame {
            plan: Plan::Limit {
                input: Box::new(self.plan),
                n,
            },
            scope: self.scope,
        }
    }

    /// Join with `other` on a condition (both sides' columns, qualified where ambiguous).
    pub fn join_on(self, other: Frame, condition: &Expr, how: JoinType) -> Result<Frame> {
        let joined = self.scope.join(&other.scope);
        let left_len = self.scope.schema.fields().len();
        let predicate = bind(condition, &joined)?;
        if predicate.data_type() != DataType::Boolean {
            return Err(Error::usage(format!(
                "join condition '{}' is not boolean",
                condition.name()
            )));
        }
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        let mut rest = Vec::new();
        for part in predicate.split_conjunction() {
            if let Bound::Compare {
                op: BinaryOp::Eq,
                left,
                right,
            } = &part
            {
                let side = |b: &Bound| {
                    let mut cols = Vec::new();
                    b.columns(&mut cols);
                    if cols.is_empty() {
                        None
                    } else if cols.iter().all(|&c| c < left_len) {
                        Some(false)
                    } else if cols.iter().all(|&c| c >= left_len) {
                        Some(true)
                    } else {
                        None
                    }
                };
                match (side(left), side(right)) {
                    (Some(false), Some(true)) => {
                        left_keys.push(left.as_ref().clone());
                        right_keys.push(right.remap(&|i| i - left_len));
                        continue;
                    }
                    (Some(true), Some(false)) => {
                        left_keys.push(right.as_ref().clone());
                        right_keys.push(left.remap(&|i| i - left_len));
                        continue;
                    }
                    _ => {}
                }
            }
            rest.push(part);
        }
        if left_keys.is_empty() {
            return Err(Error::usage(format!(
                "join condition '{}' needs an equality between a column of each side (cross joins are not supported)",
                condition.name()
            )));
        }
        Ok(self.join_plan(other, how, left_keys, right_keys, Bound::conjunction(rest)))
    }

    fn join_plan(
        self,
        other: Frame,
        how: JoinType,
        left_keys: Vec<Bound>,
        right_keys: Vec<Bound>,
        residual: Option<Bound>,
    ) -> Frame {
        let scope = if how.keeps_right() {
            self.scope.join(&other.scope)
        } else {
            self.scope.clone()
        };
        let plan = Plan::Join {
            left: Box::new(self.plan),
            right: Box::new(other.plan),
            how,
            left_keys,
            right_keys,
            residual,
            schema: scope.schema.clone(),
        };
        Frame { plan, scope }
    }

    /// Join on columns of the same name on both sides, keeping one copy of each (Spark's
    /// `join(other, on=[...])` and SQL's USING).
    pub fn join_using(self, other: Frame, columns: &[String], how: JoinType) -> Result<Frame> {
        let left_len = self.scope.schema.fields().len();
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        let mut pairs = Vec::new();
        for name in columns {
            let l = self.scope.resolve(None, name)?;
            let r = other.scope.resolve(None, name).map_err(|_| {
                Error::usage(format!(
                    "join column '{name}' is not in the right side; its columns are: {}",
                    other.scope.describe()
                ))
            })?;
            let lb = Bound::column(l, self.scope.schema.field(l).data_type().clone());
            let rb = Bound::column(r, other.scope.schema.field(r).data_type().clone());
            let eq = bind_binary(BinaryOp::Eq, lb, rb, &Expr::column(name))?;
            let Bound::Compare { left, right, .. } = eq else {
                unreachable!("an equality binds to a comparison")
            };
            left_keys.push(*left);
            right_keys.push(*right);
            pairs.push((l, r));
        }
        let left_fields = self.scope.schema.clone();
        let right_fields = other.scope.schema.clone();
        let (left_q, right_q) = (
            self.scope.qualifiers.clone(),
            other.scope.qualifiers.clone(),
        );
        let joined = self.join_plan(other, how, left_keys, right_keys, None);
        if !how.keeps_right() {
            return Ok(joined);
        }
        // Keys once (from the side that has them all: left, right for a right join, either for
        // a full join), then the other columns of each side.
        let mut exprs = Vec::new();
        let mut fields = Vec::new();
        let mut qualifiers = Vec::new();
        for (l, r) in &pairs {
            let lt = left_fields.field(*l).data_type().clone();
            let rt = right_fields.field(*r).data_type().clone();
            let t = common_type(&lt, &rt).unwrap_or(lt.clone());
            let left_col = Bound::column(*l, lt).cast_to(&t);
            let right_col = Bound::column(left_len + r, rt).cast_to(&t);
            let expr = match how {
                JoinType::Right => right_col,
                JoinType::Full => Bound::Coalesce {
                    args: vec![left_col, right_col],
                    data_type: t.clone(),
                },
                _ => left_col,
            };
            exprs.push(expr);
            fields.push(Field::new(left_fields.field(*l).name(), t, true));
            qualifiers.push(None);
        }
        for (i, f) in left_fields.fields().iter().enumerate() {
            if !pairs.iter().any(|(l, _)| *l == i) {
                exprs.push(Bound::column(i, f.data_type().clone()));
                fields.push(f.as_ref().clone());
                qualifiers.push(left_q[i].clone());
            }
        }
        for (i, f) in right_fields.fields().iter().enumerate() {
            if !pairs.iter().any(|(_, r)| *r == i) {
                exprs.push(Bound::column(left_len + i, f.data_type().clone()));
                fields.push(f.as_ref().clone());
                qualifiers.push(right_q[i].clone());
            }
        }
        Ok(joined.project(exprs, fields, qualifiers))
    }

    /// `union` (by position, as SQL's UNION ALL) or `unionByName`; names come from the left.
    pub fn union(self, other: Frame, by_name: bool) -> Result<Frame> {
        let left = self.scope.schema.clone();
        let other = if by_name {
            let mut items = Vec::new();
            for f in left.fields() {
                other.scope.resolve(None, f.name()).map_err(|_| {
                    Error::usage(format!(
                        "union by name: column '{}' is not in the other input; its columns are: {}",
                        f.name(),
                        other.scope.describe()
                    ))
                })?;
                items.push(Expr::column(f.name()));
            }
            if other.scope.schema.fields().len() != left.fields().len() {
                return Err(Error::usage(format!(
                    "union by name: the inputs have {} and {} columns",
                    left.fields().len(),
                    other.scope.schema.fields().len()
                )));
            }
            other.select(&items)?
        } else {
            other
        };
        let right = other.scope.schema.clone();
        if left.fields().len() != right.fields().len() {
            return Err(Error::usage(format!(
                "union needs inputs with the same number of columns: {} and {}",
                left.fields().len(),
                right.fields().len()
            )));
        }
        let mut types = Vec::new();
        for (l, r) in left.fields().iter().zip(right.fields()) {
            types.push(common_type(l.data_type(), r.data_type()).ok_or_else(|| {
                Error::usage(format!(
                    "union: column '{}' is {} on one side and {} on the other",
                    l.name(),
                    crate::types::names::spark_type_name(l.data_type()),
                    crate::types::names::spark_type_name(r.data_type())
                ))
            })?);
        }
        let fields: Vec<Field> = left
            .fields()
            .iter()
            .zip(&types)
            .map(|(f, t)| Field::new(f.name(), t.clone(), true))
            .collect();
        let conform = |frame: Frame| -> Frame {
            let schema = frame.scope.schema.clone();
            if schema
                .fields()
                .iter()
                .zip(&types)
                .all(|(f, t)| f.data_type() == t)
            {
                return frame;
            }
            let exprs = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| Bound::column(i, f.data_type().clone()).cast_to(&types[i]))
                .collect();
            let qualifiers = vec![None; fields.len()];
            frame.project(exprs, fields.clone(), qualifiers)
        };
        let (a, b) = (conform(self), conform(other));
        let mut inputs = Vec::new();
        for plan in [a.plan, b.plan] {
            match plan {
                Plan::Union { inputs: inner, .. } => inputs.extend(inner),
                other => inputs.push(other),
            }
        }
        let schema = schema_of(fields);
        Ok(Frame {
            plan: Plan::Union {
                inputs,
                schema: schema.clone(),
            },
            scope: Scope::new(schema),
        })
    }
}

/// Replace window functions in `expr` by `#w{i}` columns, collecting them in `windows`.
fn replace_windows(expr: &Expr, windows: &mut Vec<Expr>) -> Expr {
    match expr {
        Expr::Window { .. } => {
            let name = expr.name();
            let i = match windows.iter().position(|w| w.name() == name) {
                Some(i) => i,
                None => {
                    windows.push(expr.clone());
                    windows.len() - 1
                }
            };
            Expr::column(&format!("#w{i}"))
        }
        Expr::Alias { expr: inner, name } => Expr::Alias {
            expr: Box::new(replace_windows(inner, windows)),
            name: name.clone(),
        },
        Expr::Binary { left, op, right } => Expr::Binary {
            left: Box::new(replace_windows(left, windows)),
            op: *op,
            right: Box::new(replace_windows(right, windows)),
        },
        Expr::Cast { expr: inner, to } => Expr::Cast {
            expr: Box::new(replace_windows(inner, windows)),
            to: to.clone(),
        },
        Expr::Negate(inner) => Expr::Negate(Box::new(replace_windows(inner, windows))),
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(|a| replace_windows(a, windows)).collect(),
            distinct: *distinct,
            star: *star,
        },
        other => other.clone(),
    }
}

fn bind_window(expr: &Expr, scope: &Scope) -> Result<WindowExpr> {
    let Expr::Window {
        function,
        partition_by,
        order_by,
    } = expr
    else {
        unreachable!("only window expressions are collected")
    };
    let partition_by = partition_by
        .iter()
        .map(|e| bind(e, scope))
        .collect::<Result<Vec<_>>>()?;
    let order_by = order_by
        .iter()
        .map(|k| {
            Ok(SortKey {
                expr: bind(&k.expr, scope)?,
                descending: k.descending,
                nulls_first: k.nulls_first,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let name = expr.name();
    let Expr::Call {
        name: fname, args, ..
    } = function.as_ref()
    else {
        return Err(Error::usage(format!("not a window function: {name}")));
    };
    let needs_order = |what: &str| -> Result<()> {
        if order_by.is_empty() {
            Err(Error::usage(format!(
                "{what} needs ORDER BY in its window: {name}"
            )))
        } else {
            Ok(())
        }
    };
    let (func, call_args, data_type) = match fname.as_str() {
        "row_number" | "rank" | "dense_rank" => {
            needs_order(fname)?;
            if !args.is_empty() {
                return Err(Error::usage(format!("{fname} takes no arguments: {name}")));
            }
            let func = match fname.as_str() {
                "row_number" => WindowFunc::RowNumber,
                "rank" => WindowFunc::Rank,
                _ => WindowFunc::DenseRank,
            };
            (func, Vec::new(), DataType::Int32)
        }
        "lag" | "lead" => {
            needs_order(fname)?;
            if args.is_empty() || args.len() > 3 {
                return Err(Error::usage(format!("{fname} takes 1 to 3 arguments: {name}")));
            }
            let value = bind(&args[0], scope)?;
            let t = value.data_type();
            let offset = match args.get(1) {
                Some(Expr::Literal { text, .. }) => text.parse::<i64>().map_err(|_| {
                    Error::usage(format!("the offset of {fname} must be an integer: {name}"))
                })?,
                Some(_) => return Err(Error::usage(format!("the offset of {fname} must be a literal: {name}"))),
                None => 1,
            };
            let mut call_args = vec![value];
            if let Some(d) = args.get(2) {
                call_args.push(bind(d, scope)?.cast_to(&t));
            }
            let offset = if fname == "lag" { -offset } else { offset };
            (WindowFunc::Offset(offset), call_args, t)
        }
        _ if function.is_aggregate_call() => {
            let call = bind_aggregate(function, scope)?;
            let t = call.data_type.clone();
            (WindowFunc::Aggregate(call), Vec::new(), t)
        }
        other => {
            return Err(Error::usage(format!(
                "'{other}' is not a window function (row_number, rank, dense_rank, lag, lead, or an aggregate): {name}"
            )))
        }
    };
    Ok(WindowExpr {
        func,
        args: call_args,
        partition_by,
        order_by,
        data_type,
        name,
    })
}

/// The ranking and offset window functions (aggregates may also be used over a window).
pub const WINDOW_FUNCTIONS: &[&str] = &["row_number", "rank", "dense_rank", "lag", "lead"];

/// Rewrite an output expression of an aggregation: aggregate calls become `#a{i}` columns and
/// sub-expressions equal to a grouping key become `#k{i}`; a column outside both is an error.
fn rewrite_over_aggregate(
    expr: &Expr,
    key_names: &[String],
    register: &mut dyn FnMut(&Expr) -> Result<usize>,
) -> Result<Expr> {
    if let Expr::Alias { expr: inner, name } = expr {
        return Ok(Expr::Alias {
            expr: Box::new(rewrite_over_aggregate(inner, key_names, register)?),
            name: name.clone(),
        });
    }
    if expr.is_aggregate_call() {
        return Ok(Expr::column(&format!("#a{}", register(expr)?)));
    }
    let name = expr.name();
    if !matches!(expr, Expr::Literal { .. }) {
        let key = key_names
            .iter()
            .position(|k| k == &name)
            .or_else(|| match expr {
                // A column matches a key of the same name whatever its case or qualifier.
                Expr::Column { name: column, .. } => key_names
                    .iter()
                    .position(|k| k.eq_ignore_ascii_case(column)),
                _ => None,
            });
        if let Some(key) = key {
            return Ok(Expr::column(&format!("#k{key}")));
        }
    }
    let r = |e: &Expr, register: &mut dyn FnMut(&Expr) -> Result<usize>| {
        rewrite_over_aggregate(e, key_names, register).map(Box::new)
    };
    Ok(match expr {
        Expr::Column { .. } => {
            return Err(Error::usage(format!(
                "column '{name}' is neither grouped nor aggregated; add it to the grouping keys or wrap it in an aggregate such as first({name})"
            )))
        }
        Expr::Literal { .. } | Expr::Wildcard { .. } => expr.clone(),
        Expr::Window { .. } => {
            return Err(Error::usage(format!(
                "window functions over an aggregation are not supported; aggregate in a subquery first: {name}"
            )))
        }
        Expr::Alias { .. } => unreachable!("handled above"),
        Expr::Not(e) => Expr::Not(r(e, register)?),
        Expr::Negate(e) => Expr::Negate(r(e, register)?),
        Expr::Binary { left, op, right } => Expr::Binary {
            left: r(left, register)?,
            op: *op,
            right: r(right, register)?,
        },
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: r(expr, register)?,
            negated: *negated,
        },
        Expr::In { expr, list, negated } => Expr::In {
            expr: r(expr, register)?,
            list: list
                .iter()
                .map(|e| rewrite_over_aggregate(e, key_names, register))
                .collect::<Result<_>>()?,
            negated: *negated,
        },
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => Expr::Between {
            expr: r(expr, register)?,
            low: r(low, register)?,
            high: r(high, register)?,
            negated: *negated,
        },
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => Expr::Like {
            expr: r(expr, register)?,
            pattern: r(pattern, register)?,
            negated: *negated,
            case_insensitive: *case_insensitive,
        },
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => Expr::Case {
            operand: operand.as_ref().map(|o| r(o, register)).transpose()?,
            whens: whens
                .iter()
                .map(|(w, t)| {
                    Ok((
                        rewrite_over_aggregate(w, key_names, register)?,
                        rewrite_over_aggregate(t, key_names, register)?,
                    ))
                })
                .collect::<Result<_>>()?,
            otherwise: otherwise.as_ref().map(|o| r(o, register)).transpose()?,
        },
        Expr::Cast { expr, to } => Expr::Cast {
            expr: r(expr, register)?,
            to: to.clone(),
        },
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } => Expr::Call {
            name: name.clone(),
            args: args
                .iter()
                .map(|e| rewrite_over_aggregate(e, key_names, register))
                .collect::<Result<_>>()?,
            distinct: *distinct,
            star: *star,
        },
    })
}
