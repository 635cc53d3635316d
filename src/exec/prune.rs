//! Skipping data a scan's filters rule out before reading it: `col=value` directories whose
//! values fail a filter on partition columns, and Parquet row groups whose min/max statistics
//! show that no row can pass a comparison with a literal.

use std::sync::Arc;

use arrow::array::Scalar;
use arrow::array::{
    new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, StringArray,
};
use arrow::compute::kernels::cmp;
use arrow::compute::{cast, not, or_kleene};
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;

use crate::expr::cast::cast_array;
use crate::expr::eval::evaluate;
use crate::expr::{BinaryOp, Bound};
use crate::io::dataset::{Dataset, Format, Pruning};

/// The files and row groups to read, or None when nothing can be skipped.
pub fn prune(dataset: &Dataset, filters: &[Bound]) -> Option<Pruning> {
    if filters.is_empty() {
        return None;
    }
    let files = dataset.files.len();
    let mut pruning = Pruning {
        files: vec![true; files],
        row_groups: vec![None; files],
    };
    let data_len = dataset.data_columns();
    let mut any = false;
    for filter in filters {
        let mut cols = Vec::new();
        filter.columns(&mut cols);
        if !cols.is_empty() && cols.iter().all(|&c| c >= data_len) {
            if let Some(keep) = partition_filter(dataset, filter) {
                for (k, p) in keep.iter().zip(pruning.files.iter_mut()) {
                    *p &= k;
                }
                any = true;
            }
        }
    }
    if dataset.format == Format::Parquet {
        for file in 0..files {
            if !pruning.files[file] {
                continue;
            }
            let Some(footer) = dataset.parquet_footer(file) else {
                continue;
            };
            let groups = footer.metadata.metadata().row_groups();
            let mut keep = vec![true; groups.len()];
            for filter in filters {
                if let Some(k) = row_group_filter(dataset, footer, filter) {
                    for (a, b) in keep.iter_mut().zip(k) {
                        *a &= b;
                    }
                }
            }
            if keep.iter().any(|k| !k) {
                any = true;
            }
            pruning.row_groups[file] = Some(keep);
        }
    }
    any.then_some(pruning)
}

/// Evaluate a filter over the partition values of every file (one row per file).
fn partition_filter(dataset: &Dataset, filter: &Bound) -> Option<Vec<bool>> {
    let rows = dataset.files.len();
    let data_len = dataset.data_columns();
    let columns: Vec<ArrayRef> = dataset
        .schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i < data_len {
                Some(new_null_array(f.data_type(), rows))
            } else {
                let text: ArrayRef = Arc::new(StringArray::from(
                    dataset
                        .files
                        .iter()
                        .map(|file| file.partition_values[i - data_len].clone())
                        .collect::<Vec<_>>(),
                ));
                cast(&text, f.data_type()).ok()
            }
        })
        .collect::<Option<_>>()?;
    let batch = RecordBatch::try_new_with_options(
        dataset.schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .ok()?;
    let result = evaluate(filter, &batch).ok()?;
    let result = result.as_any().downcast_ref::<BooleanArray>()?;
    Some(
        (0..rows)
            .map(|i| result.is_valid(i) && result.value(i))
            .collect(),
    )
}

/// For `column <op> literal` (either way round, the column possibly cast): which row groups
/// may hold a passing row.
fn row_group_filter(
    dataset: &Dataset,
    footer: &crate::io::parquet::ParquetFooter,
    filter: &Bound,
) -> Option<Vec<bool>> {
    let Bound::Compare { op, left, right } = filter else {
        return None;
    };
    let (column, literal, op) = match (column_of(left), right.as_ref()) {
        (Some(c), Bound::Literal(v)) => (c, v.clone(), *op),
        _ => match (left.as_ref(), column_of(right)) {
            (Bound::Literal(v), Some(c)) => (c, v.clone(), flip(*op)?),
            _ => return None,
        },
    };
    if column >= dataset.data_columns() || literal.is_null(0) {
        return None;
    }
    let name = dataset.schema.field(column).name();
    let arrow_schema = footer.metadata.schema();
    let converter =
        StatisticsConverter::try_new(name, arrow_schema, footer.metadata.parquet_schema()).ok()?;
    let groups = footer.metadata.metadata().row_groups();
    let target = literal.data_type();
    let mins = cast_array(&converter.row_group_mins(groups.iter()).ok()?, target).ok()?;
    let maxes = cast_array(&converter.row_group_maxes(groups.iter()).ok()?, target).ok()?;
    let value = Scalar::new(literal.clone());
    // Row groups that certainly have no passing row.
    let none = match op {
        BinaryOp::Eq => or_kleene(
            &cmp::lt(&maxes, &value).ok()?,
            &cmp::gt(&mins, &value).ok()?,
        )
        .ok()?,
        BinaryOp::Lt => cmp::gt_eq(&mins, &value).ok()?,
        BinaryOp::LtEq => cmp::gt(&mins, &value).ok()?,
        BinaryOp::Gt => cmp::lt_eq(&maxes, &value).ok()?,
        BinaryOp::GtEq => cmp::lt(&maxes, &value).ok()?,
        _ => return None,
    };
    // Unknown statistics (null) keep the group.
    let keep = not(&none).ok()?;
    Some(
        (0..keep.len())
            .map(|i| keep.is_null(i) || keep.value(i))
            .collect(),
    )
}

fn column_of(b: &Bound) -> Option<usize> {
    match b {
        Bound::Column { index, .. } => Some(*index),
        // Widening casts keep order, so statistics of the column still bound the cast values.
        Bound::Cast { expr, to }
            if to.is_numeric() || matches!(to, arrow::datatypes::DataType::Timestamp(_, _)) =>
        {
            match expr.as_ref() {
                Bound::Column { index, data_type }
                    if data_type.is_numeric()
                        || matches!(
                            data_type,
                            arrow::datatypes::DataType::Date32
                                | arrow::datatypes::DataType::Timestamp(_, _)
                        ) =>
                {
                    Some(*index)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn flip(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    })
}
