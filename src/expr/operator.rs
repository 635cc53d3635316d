//! Binary operators, shared by the unbound and the bound expression trees, and the balanced
//! trees long chains of them (AND, OR) are built as.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Plus,
    Minus,
    Multiply,
    Divide,
    IntDivide,
    Modulo,
    Eq,
    NotEq,
    NullSafeEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Concat,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Plus => "+",
            BinaryOp::Minus => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::IntDivide => "div",
            BinaryOp::Modulo => "%",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "!=",
            BinaryOp::NullSafeEq => "<=>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Concat => "||",
        }
    }

    /// The decimal operation this operator is, for `+ - * / %`.
    pub fn decimal_op(self) -> Option<crate::types::decimal::DecimalOp> {
        use crate::types::decimal::DecimalOp;
        Some(match self {
            BinaryOp::Plus => DecimalOp::Add,
            BinaryOp::Minus => DecimalOp::Subtract,
            BinaryOp::Multiply => DecimalOp::Multiply,
            BinaryOp::Divide => DecimalOp::Divide,
            BinaryOp::Modulo => DecimalOp::Remainder,
            _ => return None,
        })
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::NullSafeEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }
}

/// `items` joined pairwise into a balanced binary tree (depth log2(n), however many there are);
/// None when there are none. Long AND/OR chains and IN lists are built this way.
pub fn balanced_tree<T>(mut items: Vec<T>, join: impl Fn(T, T) -> T) -> Option<T> {
    while items.len() > 1 {
        let mut next = Vec::with_capacity(items.len().div_ceil(2));
        let mut pairs = items.into_iter();
        while let Some(left) = pairs.next() {
            next.push(match pairs.next() {
                Some(right) => join(left, right),
                None => left,
            });
        }
        items = next;
    }
    items.pop()
}
