//! groupBy / agg: aggregate calls bound once each, outputs rewritten over the aggregation's
//! keys and results (HAVING and ORDER BY too).

use super::{schema_of, Frame};
use crate::error::{Error, Result};
use crate::expr::aggregates::signature::AggCall;
use crate::expr::bind::bind_aggregate;
use crate::expr::{bind, BinaryOp, Bound, Expr, Scope, SortExpr};
use crate::plan::{Plan, SortKey};
use arrow::array::{new_null_array, Int64Array};
use arrow::datatypes::{DataType, Field};
use std::collections::HashMap;
use std::sync::Arc;

impl Frame {
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
        self.aggregate_with(keys, None, outputs, None, &[])
            .map(|(frame, _)| frame)
    }

    /// Spark's Expand for grouping sets: one copy of the input per set, with every column as it
    /// is (aggregates read the real values), then each key (`#g{i}`), null where the set leaves
    /// it out, then the set's grouping id (`#gid`: bit n-1-i set when key i is left out).
    ///
    /// A set given more than once groups its own copy of the rows each time, as Spark's
    /// `_gen_grouping_pos`: then a last column (`#gpos`) numbers the repeats.
    fn expand_grouping_sets(self, keys: &[Bound], sets: &[Vec<usize>]) -> (Frame, bool) {
        let (base_exprs, mut fields, mut qualifiers) = self.identity();
        for (i, key) in keys.iter().enumerate() {
            fields.push(Field::new(format!("#g{i}"), key.data_type(), true));
            qualifiers.push(None);
        }
        fields.push(Field::new("#gid", DataType::Int64, false));
        qualifiers.push(None);
        let same_set = |a: &Vec<usize>, b: &Vec<usize>| {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        let repeats: Vec<i32> = sets
            .iter()
            .enumerate()
            .map(|(i, set)| sets[..i].iter().filter(|s| same_set(s, set)).count() as i32)
            .collect();
        let numbered = repeats.iter().any(|&r| r > 0);
        if numbered {
            fields.push(Field::new("#gpos", DataType::Int32, false));
            qualifiers.push(None);
        }
        let n = keys.len();
        let branches: Vec<Plan> = sets
            .iter()
            .zip(&repeats)
            .map(|(set, repeat)| {
                let mut exprs = base_exprs.clone();
                let mut gid = 0i64;
                for (i, key) in keys.iter().enumerate() {
                    if set.contains(&i) {
                        exprs.push(key.clone());
                    } else {
                        gid |= 1 << (n - 1 - i);
                        exprs.push(Bound::Literal(new_null_array(&key.data_type(), 1)));
                    }
                }
                exprs.push(Bound::Literal(Arc::new(Int64Array::from(vec![gid]))));
                if numbered {
                    exprs.push(Bound::Literal(Arc::new(arrow::array::Int32Array::from(
                        vec![*repeat],
                    ))));
                }
                Frame {
                    plan: self.plan.clone(),
                    scope: self.scope.clone(),
                }
                .project(exprs, fields.clone(), qualifiers.clone())
                .plan
            })
            .collect();
        let schema = schema_of(fields);
        let frame = Frame {
            scope: self.scope.extended(schema.clone(), qualifiers),
            plan: Plan::Union {
                inputs: branches,
                schema,
            },
        };
        (frame, numbered)
    }

    /// Aggregate with an optional HAVING condition and ORDER BY keys that may also refer to
    /// aggregates or keys (SQL); returns the frame and the bound sort keys over its output plus
    /// hidden columns, which the caller drops after sorting (`hidden` count is returned).
    ///
    /// `sets` (ROLLUP, CUBE, GROUPING SETS) lists, for each grouping set, which `keys` it
    /// groups by; `grouping(k)` and `grouping_id()` then tell the sets' rows apart.
    pub fn aggregate_with(
        self,
        keys: &[Expr],
        sets: Option<&[Vec<usize>]>,
        outputs: &[Expr],
        having: Option<&Expr>,
        order_by: &[SortExpr],
    ) -> Result<(Frame, usize)> {
        let mut key_bound = Vec::new();
        let mut key_names = Vec::new();
        let mut computed = Vec::new();
        for key in keys {
            if key.contains_aggregate() {
                return Err(Error::analysis(format!(
                    "aggregate functions are not allowed in GROUP BY: {}",
                    key.name()
                )));
            }
            key_bound.push(bind(key, &self.scope)?);
            key_names.push(key.unaliased().name());
            computed.push(!matches!(key.unaliased(), Expr::Column { .. }));
        }
        // With grouping sets, the keys are the expanded input's nulled copies plus the id.
        let grouping = sets.map(|_| keys.len());
        let input = match sets {
            None => self,
            Some(sets) => {
                let width = self.scope.schema.fields().len();
                let (expanded, numbered) = self.expand_grouping_sets(&key_bound, sets);
                key_bound = (0..=keys.len() + usize::from(numbered))
                    .map(|i| {
                        let t = expanded.scope.schema.field(width + i).data_type().clone();
                        Bound::column(width + i, t)
                    })
                    .collect();
                key_names.push("spark_grouping_id".to_string());
                if numbered {
                    key_names.push("_gen_grouping_pos".to_string());
                }
                expanded
            }
        };
        let mut calls: Vec<AggCall> = Vec::new();
        let mut call_names: HashMap<String, usize> = HashMap::new();
        let mut rewrite = |expr: &Expr| -> Result<Expr> {
            rewrite_over_aggregate(expr, &key_names, &computed, grouping, &mut |call: &Expr| {
                // Calls are the same call when their trees are: names may coincide for
                // different calls (`first(x)` and `first(x, true)` are both named `first(x)`).
                let name = format!("{call:?}");
                if let Some(&i) = call_names.get(&name) {
                    return Ok(i);
                }
                let bound = bind_aggregate(call, &input.scope)?;
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
            input: Box::new(input.plan),
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
            fields.push(Field::new(original.output_name(), bound.data_type(), true));
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
}

/// Rewrite an output expression of an aggregation: aggregate calls become `#a{i}` columns and
/// sub-expressions equal to a grouping key become `#k{i}`; a column outside both is an error.
///
/// With grouping sets (`grouping` is the number of keys before the grouping id, `#k{n}`),
/// `grouping(k)` is bit n-1-i of the id as a TINYINT and `grouping_id()` the id, as in Spark.
fn rewrite_over_aggregate(
    expr: &Expr,
    key_names: &[String],
    computed: &[bool],
    grouping: Option<usize>,
    register: &mut dyn FnMut(&Expr) -> Result<usize>,
) -> Result<Expr> {
    if let Expr::Alias { expr: inner, name } = expr {
        return Ok(Expr::Alias {
            expr: Box::new(rewrite_over_aggregate(
                inner, key_names, computed, grouping, register,
            )?),
            name: name.clone(),
        });
    }
    if let Expr::Call { name, args, .. } = expr {
        if name == "grouping" || name == "grouping_id" {
            return grouping_call(expr, name, args, key_names, grouping);
        }
    }
    // Hive's `grouping__id`, which Spark keeps: grouping_id() under that name.
    if let Expr::Column {
        qualifier: None,
        name,
    } = expr
    {
        if name.eq_ignore_ascii_case("grouping__id") && grouping.is_some() {
            return Ok(Expr::Alias {
                expr: Box::new(grouping_call(
                    expr,
                    "grouping_id",
                    &[],
                    key_names,
                    grouping,
                )?),
                name: name.clone(),
            });
        }
    }
    if expr.is_aggregate_call() {
        return Ok(Expr::column(&format!("#a{}", register(expr)?)));
    }
    let name = expr.name();
    if !matches!(expr, Expr::Literal { .. }) {
        // A column reference never names a computed key (`(d + 1)` in backticks is a column
        // of that name, which Spark does not find either).
        let column_ref = matches!(expr, Expr::Column { .. });
        let key = key_names
            .iter()
            .enumerate()
            .position(|(i, k)| k == &name && !(column_ref && computed.get(i) == Some(&true)))
            .or_else(|| match expr {
                // A column matches a key of the same name whatever its case or qualifier.
                Expr::Column { name: column, .. } => {
                    key_names.iter().enumerate().position(|(i, k)| {
                        k.eq_ignore_ascii_case(column) && computed.get(i) != Some(&true)
                    })
                }
                _ => None,
            });
        if let Some(key) = key {
            let column = Expr::column(&format!("#k{key}"));
            // A grouped column keeps its name for what names its arguments (`struct(a, ...)`).
            return Ok(match expr {
                Expr::Column { name, .. } => Expr::Alias {
                    expr: Box::new(column),
                    name: name.clone(),
                },
                _ => column,
            });
        }
    }
    let r = |e: &Expr, register: &mut dyn FnMut(&Expr) -> Result<usize>| {
        rewrite_over_aggregate(e, key_names, computed, grouping, register).map(Box::new)
    };
    Ok(match expr {
        Expr::Column { .. } => {
            return Err(Error::analysis(format!(
                "column '{name}' is neither grouped nor aggregated; add it to the grouping keys or wrap it in an aggregate such as first({name})"
            )))
        }
        Expr::Literal { .. } | Expr::Wildcard { .. } => expr.clone(),
        Expr::Window { .. } => {
            return Err(Error::analysis(format!(
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
                .map(|e| rewrite_over_aggregate(e, key_names, computed, grouping, register))
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
                        rewrite_over_aggregate(w, key_names, computed, grouping, register)?,
                        rewrite_over_aggregate(t, key_names, computed, grouping, register)?,
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
                .map(|e| rewrite_over_aggregate(e, key_names, computed, grouping, register))
                .collect::<Result<_>>()?,
            distinct: *distinct,
            star: *star,
        },
    })
}

/// `grouping(k)` or `grouping_id([all keys])` over the grouping id column `#k{n}`.
fn grouping_call(
    expr: &Expr,
    name: &str,
    args: &[Expr],
    key_names: &[String],
    grouping: Option<usize>,
) -> Result<Expr> {
    let Some(n) = grouping else {
        return Err(Error::analysis(format!(
            "{name}() can only be used with GROUPING SETS, ROLLUP or CUBE: {}",
            expr.name()
        )));
    };
    let id = Expr::column(&format!("#k{n}"));
    let key_of = |arg: &Expr| -> Result<usize> {
        let arg_name = arg.name();
        key_names[..n]
            .iter()
            .position(|k| k == &arg_name || k.eq_ignore_ascii_case(&arg_name))
            .ok_or_else(|| {
                Error::analysis(format!(
                    "{arg_name} in {} is not a grouping column",
                    expr.name()
                ))
            })
    };
    let literal = |v: i64| Expr::Literal {
        value: Arc::new(Int64Array::from(vec![v])),
        text: v.to_string(),
    };
    match (name, args) {
        ("grouping", [arg]) => {
            let i = key_of(arg)?;
            let bit = Expr::Binary {
                left: Box::new(Expr::Binary {
                    left: Box::new(id),
                    op: BinaryOp::IntDivide,
                    right: Box::new(literal(1 << (n - 1 - i))),
                }),
                op: BinaryOp::Modulo,
                right: Box::new(literal(2)),
            };
            Ok(Expr::Cast {
                expr: Box::new(bit),
                to: DataType::Int8,
            })
        }
        ("grouping", _) => Err(Error::analysis(format!(
            "grouping takes one column: {}",
            expr.name()
        ))),
        // grouping_id() is the id; named with every key in order, it is the same id.
        ("grouping_id", []) => Ok(id),
        ("grouping_id", list)
            if list.len() == n
                && list
                    .iter()
                    .enumerate()
                    .all(|(i, a)| key_of(a).ok() == Some(i)) =>
        {
            Ok(id)
        }
        _ => Err(Error::analysis(format!(
            "grouping_id takes no columns or all grouping columns in order: {}",
            expr.name()
        ))),
    }
}
