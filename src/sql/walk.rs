//! Walking sqlparser's expression tree: the sub-expressions of an expression that the planner
//! reads (operators, casts, BETWEEN, IN lists, CASE, function arguments), for the passes that
//! look for subqueries before planning. Subqueries themselves are not entered.

use sqlparser::ast;

/// The direct sub-expressions of `e` (none for a subquery, an `IN (SELECT ...)`, a column or a
/// literal).
pub fn subexpressions(e: &ast::Expr) -> Vec<&ast::Expr> {
    use ast::Expr as A;
    match e {
        A::BinaryOp { left, right, .. } => vec![left, right],
        A::UnaryOp { expr, .. }
        | A::Nested(expr)
        | A::Cast { expr, .. }
        | A::IsNull(expr)
        | A::IsNotNull(expr)
        | A::IsTrue(expr)
        | A::IsFalse(expr) => vec![expr],
        A::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        A::In {
            expr,
            target: ast::InTarget::List(list),
            ..
        } => std::iter::once(expr.as_ref()).chain(list.iter()).collect(),
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut out: Vec<&ast::Expr> = Vec::new();
            out.extend(operand.iter().map(|o| o.as_ref()));
            for when in conditions {
                out.extend([&when.condition, &when.result]);
            }
            out.extend(else_result.iter().map(|o| o.as_ref()));
            out
        }
        A::Function(function) => match &function.args {
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .filter_map(|arg| match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)) => Some(arg),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The direct sub-expressions of `e`, to rewrite in place (the same ones `subexpressions`
/// gives, in the same order).
pub fn subexpressions_mut(e: &mut ast::Expr) -> Vec<&mut ast::Expr> {
    use ast::Expr as A;
    match e {
        A::BinaryOp { left, right, .. } => vec![left, right],
        A::UnaryOp { expr, .. }
        | A::Nested(expr)
        | A::Cast { expr, .. }
        | A::IsNull(expr)
        | A::IsNotNull(expr)
        | A::IsTrue(expr)
        | A::IsFalse(expr) => vec![expr],
        A::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        A::In {
            expr,
            target: ast::InTarget::List(list),
            ..
        } => std::iter::once(expr.as_mut())
            .chain(list.iter_mut())
            .collect(),
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut out: Vec<&mut ast::Expr> = Vec::new();
            out.extend(operand.iter_mut().map(|o| o.as_mut()));
            for when in conditions.iter_mut() {
                out.push(&mut when.condition);
                out.push(&mut when.result);
            }
            out.extend(else_result.iter_mut().map(|o| o.as_mut()));
            out
        }
        A::Function(function) => match &mut function.args {
            ast::FunctionArguments::List(list) => list
                .args
                .iter_mut()
                .filter_map(|arg| match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)) => Some(arg),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
