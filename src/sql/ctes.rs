//! Spark 3.3's rules for WITH names, checked over a statement's whole query before planning:
//! one WITH cannot define a name twice, and (its default `spark.sql.legacy.ctePrecedencePolicy`
//! EXCEPTION) a WITH at the start of a CTE's definition or of a subquery expression cannot
//! redefine a name an enclosing WITH defines, since Spark 2 and 3 would read it differently. A
//! WITH in a FROM subquery may shadow (CTESubstitution.assertNoNameConflictsInCTE).

use sqlparser::ast;

use super::walk::subexpressions;
use crate::error::{Error, Result};

/// Check `query` (a statement's) against Spark's WITH naming rules.
pub fn check_cte_names(query: &ast::Query) -> Result<()> {
    check_query(query, &[], true)
}

fn check_query(query: &ast::Query, outer: &[String], start_of_query: bool) -> Result<()> {
    let mut names: Vec<String> = outer.to_vec();
    if let Some(with) = &query.with {
        let mut own: Vec<String> = Vec::new();
        for cte in &with.cte_tables {
            let name = cte.alias.name.value.to_ascii_lowercase();
            if own.contains(&name) {
                return Err(Error::analysis(format!(
                    "CTE definition can't have duplicate names: '{}'",
                    cte.alias.name.value
                )));
            }
            if start_of_query && outer.contains(&name) {
                return Err(Error::analysis(format!(
                    "Name {} is ambiguous in nested CTE (Spark 3.3's \
                     spark.sql.legacy.ctePrecedencePolicy EXCEPTION); rename the inner one",
                    cte.alias.name.value
                )));
            }
            check_query(&cte.query, &names, true)?;
            own.push(name.clone());
            names.push(name);
        }
    }
    check_body(&query.body, &names)
}

fn check_body(body: &ast::SetExpr, names: &[String]) -> Result<()> {
    match body {
        ast::SetExpr::Select(select) => {
            for from in &select.from {
                check_relation(&from.relation, names)?;
                for join in &from.joins {
                    check_relation(&join.relation, names)?;
                    if let ast::JoinOperator::Join(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::Inner(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::Left(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::LeftOuter(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::Right(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::RightOuter(ast::JoinConstraint::On(e))
                    | ast::JoinOperator::FullOuter(ast::JoinConstraint::On(e)) =
                        &join.join_operator
                    {
                        check_expr(e, names)?;
                    }
                }
            }
            for item in &select.projection {
                if let ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    check_expr(e, names)?;
                }
            }
            for e in select.selection.iter().chain(&select.having) {
                check_expr(e, names)?;
            }
            Ok(())
        }
        ast::SetExpr::Query(query) => check_query(query, names, false),
        ast::SetExpr::SetOperation { left, right, .. } => {
            check_body(left, names)?;
            check_body(right, names)
        }
        _ => Ok(()),
    }
}

fn check_relation(relation: &ast::TableFactor, names: &[String]) -> Result<()> {
    match relation {
        ast::TableFactor::Derived { subquery, .. } => check_query(subquery, names, false),
        ast::TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            check_relation(&table_with_joins.relation, names)?;
            for join in &table_with_joins.joins {
                check_relation(&join.relation, names)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Subquery expressions in `e` start a query of their own.
fn check_expr(e: &ast::Expr, names: &[String]) -> Result<()> {
    use ast::Expr as A;
    let mut pending: Vec<&ast::Expr> = vec![e];
    while let Some(e) = pending.pop() {
        match e {
            A::Subquery(query)
            | A::Exists {
                subquery: query, ..
            } => check_query(query, names, true)?,
            A::In {
                expr,
                target: ast::InTarget::Subquery(subquery),
                ..
            } => {
                pending.push(expr);
                check_query(subquery, names, true)?;
            }
            other => pending.extend(subexpressions(other)),
        }
    }
    Ok(())
}
