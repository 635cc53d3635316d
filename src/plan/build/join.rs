//! Joins (ON a condition, or USING shared columns) and unions (by position or by name).

use super::{schema_of, Frame};
use crate::error::{Error, Result};
use crate::expr::bind::bind_binary;
use crate::expr::{bind, BinaryOp, Bound, Expr, Scope};
use crate::plan::{JoinType, Plan};
use crate::types::coerce::common_type;
use arrow::datatypes::{DataType, Field};

/// A join key every row shares: the hash join then pairs each probe row with the whole build
/// side (a nested loop join).
fn constant_key() -> Bound {
    Bound::Literal(std::sync::Arc::new(arrow::array::Int32Array::from(vec![1])))
}

impl Frame {
    /// Join with `other` on a condition (both sides' columns, qualified where ambiguous).
    pub fn join_on(self, other: Frame, condition: &Expr, how: JoinType) -> Result<Frame> {
        let joined = self.scope.join(&other.scope);
        let left_len = self.scope.schema.fields().len();
        let predicate = bind(condition, &joined)?;
        if predicate.data_type() != DataType::Boolean {
            return Err(Error::analysis(format!(
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
            // No equality between the sides (`ON a.x < b.y`): every pair is a candidate and
            // the condition decides, as Spark's nested loop join.
            left_keys.push(constant_key());
            right_keys.push(constant_key());
        }
        Ok(self.join_plan(other, how, left_keys, right_keys, Bound::conjunction(rest)))
    }

    /// `other`'s one row (or nulls, when it has none) beside every row of `self`: a scalar
    /// subquery's value. More than one row in `other` is an error when the job runs.
    pub fn attach_single_row(self, other: Frame) -> Frame {
        self.join_every_pair(other, JoinType::Single)
    }

    /// Every row of `self` with every row of `other` (`CROSS JOIN`, `FROM a, b`).
    pub fn cross_join(self, other: Frame) -> Frame {
        self.join_every_pair(other, JoinType::Inner)
    }

    /// Every row of `self` with every row of `other`, kept as `how` keeps rows (a join without
    /// a condition).
    pub fn join_every_pair(self, other: Frame, how: JoinType) -> Frame {
        self.join_plan(other, how, vec![constant_key()], vec![constant_key()], None)
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
            output: None,
            schema: scope.schema.clone(),
        };
        Frame { plan, scope }
    }

    /// The names of the columns (reachable by plain name) both sides have, in this side's
    /// order: a NATURAL join's keys.
    pub fn common_columns(&self, other: &Frame) -> Vec<String> {
        let visible = |scope: &crate::expr::Scope| -> Vec<String> {
            scope
                .schema
                .fields()
                .iter()
                .zip(&scope.hidden)
                .filter(|(_, hidden)| !**hidden)
                .map(|(f, _)| f.name().clone())
                .collect()
        };
        let theirs = visible(&other.scope);
        visible(&self.scope)
            .into_iter()
            .filter(|name| theirs.iter().any(|t| t.eq_ignore_ascii_case(name)))
            .collect()
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
                Error::analysis(format!(
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
        let (left_hidden, right_hidden) = (self.scope.hidden.clone(), other.scope.hidden.clone());
        let (left_q, right_q) = (
            self.scope.qualifiers.clone(),
            other.scope.qualifiers.clone(),
        );
        let joined = self.join_plan(other, how, left_keys, right_keys, None);
        if !how.keeps_right() {
            return Ok(joined);
        }
        // Spark's layout: each key once (from the side that has them all: left, right for a
        // right join, either for a full join), reachable as `k` and shown by `*`, and as `t.k`
        // of the side it comes from; then each side's other columns, and the key copies of a
        // side that does not give the merged key, hidden but reachable as `t.k` and in `t.*`.
        let mut exprs = Vec::new();
        let mut fields = Vec::new();
        let mut qualifiers = Vec::new();
        let mut hidden = Vec::new();
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
            qualifiers.push(match how {
                JoinType::Right => right_q[*r].clone(),
                JoinType::Full => None,
                _ => left_q[*l].clone(),
            });
            hidden.push(false);
        }
        let (left_gives_keys, right_gives_keys) = match how {
            JoinType::Right => (false, true),
            JoinType::Full => (false, false),
            _ => (true, false),
        };
        let sides = [
            (
                &left_fields,
                &left_q,
                &left_hidden,
                0,
                true,
                left_gives_keys,
            ),
            (
                &right_fields,
                &right_q,
                &right_hidden,
                left_len,
                false,
                right_gives_keys,
            ),
        ];
        for (side_fields, side_q, side_hidden, offset, is_left, gives_keys) in sides {
            for (i, f) in side_fields.fields().iter().enumerate() {
                let is_key = pairs
                    .iter()
                    .any(|(l, r)| if is_left { *l == i } else { *r == i });
                if is_key && gives_keys {
                    continue;
                }
                exprs.push(Bound::column(offset + i, f.data_type().clone()));
                // A right side's columns are null where a left join found no match.
                fields.push(f.as_ref().clone().with_nullable(true));
                qualifiers.push(side_q[i].clone());
                hidden.push(is_key || side_hidden[i]);
            }
        }
        let mut frame = joined.project(exprs, fields, qualifiers);
        frame.scope.hidden = hidden;
        Ok(frame)
    }

    /// `union` (by position, as SQL's UNION ALL) or `unionByName`; names come from the left.
    pub fn union(self, other: Frame, by_name: bool) -> Result<Frame> {
        let left = self.scope.schema.clone();
        let other = if by_name {
            let mut items = Vec::new();
            for f in left.fields() {
                other.scope.resolve(None, f.name()).map_err(|_| {
                    Error::analysis(format!(
                        "union by name: column '{}' is not in the other input; its columns are: {}",
                        f.name(),
                        other.scope.describe()
                    ))
                })?;
                items.push(Expr::column(f.name()));
            }
            if other.scope.schema.fields().len() != left.fields().len() {
                return Err(Error::analysis(format!(
                    "union by name: the inputs have {} and {} columns",
                    left.fields().len(),
                    other.scope.schema.fields().len()
                )));
            }
            other.select(&items)?
        } else {
            other
        };
        let (a, b, fields) = self.conform_with(other, "union")?;
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

    /// Both inputs of a set operation (`what`) with their columns cast to the types they meet
    /// in, by position, and the output's fields (the left side's names).
    fn conform_with(self, other: Frame, what: &str) -> Result<(Frame, Frame, Vec<Field>)> {
        let left = self.scope.schema.clone();
        let right = other.scope.schema.clone();
        if left.fields().len() != right.fields().len() {
            return Err(Error::analysis(format!(
                "{what} needs inputs with the same number of columns: {} and {}",
                left.fields().len(),
                right.fields().len()
            )));
        }
        let mut types = Vec::new();
        for (l, r) in left.fields().iter().zip(right.fields()) {
            types.push(common_type(l.data_type(), r.data_type()).ok_or_else(|| {
                Error::analysis(format!(
                    "{what}: column '{}' is {} on one side and {} on the other",
                    l.name(),
                    crate::types::names::sql_type_name(l.data_type()),
                    crate::types::names::sql_type_name(r.data_type())
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
        Ok((conform(self), conform(other), fields))
    }

    /// `INTERSECT` (the distinct rows of `self` that `other` has) and `EXCEPT` (those it has
    /// not). Rows are compared as Spark compares them there: null equals null.
    pub fn intersect_or_except(self, other: Frame, except: bool) -> Result<Frame> {
        let what = if except { "EXCEPT" } else { "INTERSECT" };
        let (left, right, fields) = self.conform_with(other, what)?;
        let left = left.distinct()?;
        // Each column is two keys that are never null: whether it is null, and its value with
        // nulls replaced by any value of its type (the first key tells them apart).
        let keys = |types: &[Field]| -> Result<Vec<Bound>> {
            let mut keys = Vec::new();
            for (i, field) in types.iter().enumerate() {
                let t = field.data_type().clone();
                let column = Bound::column(i, t.clone());
                let zero: arrow::array::ArrayRef =
                    std::sync::Arc::new(arrow::array::Int32Array::from(vec![0]));
                let any = crate::expr::cast::cast_array(&zero, &t)
                    .ok()
                    .filter(|a| a.is_valid(0))
                    .ok_or_else(|| {
                        Error::analysis(format!(
                            "{what} cannot compare columns of type {}",
                            crate::types::names::spark_type_name(&t)
                        ))
                    })?;
                keys.push(Bound::IsNull {
                    expr: Box::new(column.clone()),
                    negated: false,
                });
                keys.push(Bound::Coalesce {
                    args: vec![column, Bound::Literal(any)],
                    data_type: t,
                });
            }
            Ok(keys)
        };
        let (left_keys, right_keys) = (keys(&fields)?, keys(&fields)?);
        let how = if except {
            JoinType::Anti
        } else {
            JoinType::Semi
        };
        Ok(left.join_plan(right, how, left_keys, right_keys, None))
    }
}

impl Frame {
    /// `INTERSECT ALL` (each row as many times as the fewer of its copies on either side) and
    /// `EXCEPT ALL` (as many times as the left has more copies), as Spark plans them: both
    /// sides tagged and unioned, copies counted per row (null equal to null, as grouping
    /// does), then each row repeated by its count.
    pub fn intersect_or_except_all(self, other: Frame, except: bool) -> Result<Frame> {
        let what = if except {
            "EXCEPT ALL"
        } else {
            "INTERSECT ALL"
        };
        let (left, right, fields) = self.conform_with(other, what)?;
        let width = fields.len();
        let one =
            |v: i64| Bound::Literal(std::sync::Arc::new(arrow::array::Int64Array::from(vec![v])));
        // Columns by position (#c0, ...) plus the side's tags (#l, #r).
        let tagged = |frame: Frame, l: i64, r: i64| {
            let mut exprs: Vec<Bound> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| Bound::column(i, f.data_type().clone()))
                .collect();
            exprs.extend([one(l), one(r)]);
            let mut named: Vec<Field> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| Field::new(format!("#c{i}"), f.data_type().clone(), true))
                .collect();
            named.push(Field::new("#l", DataType::Int64, false));
            named.push(Field::new("#r", DataType::Int64, false));
            let qualifiers = vec![None; named.len()];
            frame.project(exprs, named, qualifiers)
        };
        let both = tagged(left, 1, 0).union(tagged(right, 0, 1), false)?;
        let column = |name: &str| Expr::column(name);
        let call = |name: &str, args: Vec<Expr>| Expr::Call {
            name: name.to_string(),
            args,
            distinct: false,
            star: false,
        };
        let alias = |expr: Expr, name: &str| Expr::Alias {
            expr: Box::new(expr),
            name: name.to_string(),
        };
        let keys: Vec<Expr> = (0..width).map(|i| column(&format!("#c{i}"))).collect();
        let mut outputs = keys.clone();
        let copies = if except {
            Expr::Binary {
                left: Box::new(call("sum", vec![column("#l")])),
                op: BinaryOp::Minus,
                right: Box::new(call("sum", vec![column("#r")])),
            }
        } else {
            call(
                "least",
                vec![
                    call("sum", vec![column("#l")]),
                    call("sum", vec![column("#r")]),
                ],
            )
        };
        outputs.push(alias(copies, "#n"));
        let counted = both.aggregate(&keys, &outputs)?;
        let positive = Expr::Binary {
            left: Box::new(column("#n")),
            op: BinaryOp::Gt,
            right: Box::new(Expr::Literal {
                value: std::sync::Arc::new(arrow::array::Int64Array::from(vec![0])),
                text: "0".to_string(),
            }),
        };
        let repeated = counted.filter(&positive)?.generate(
            &call(
                "array_repeat",
                vec![
                    Expr::Literal {
                        value: std::sync::Arc::new(arrow::array::BooleanArray::from(vec![true])),
                        text: "true".to_string(),
                    },
                    column("#n"),
                ],
            ),
            false,
            false,
            &["#copy".to_string()],
            None,
        )?;
        // Back to the inputs' names, the helpers dropped.
        let exprs: Vec<Bound> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| Bound::column(i, f.data_type().clone()))
            .collect();
        let qualifiers = vec![None; width];
        Ok(repeated.project(exprs, fields, qualifiers))
    }
}
