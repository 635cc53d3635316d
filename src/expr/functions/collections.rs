//! Arrays and structs: `array`, `size`, `element_at`, `a[i]` (`get_item`), `array_contains`,
//! `sort_array`, `array_join`, `array_distinct`, `struct`, `named_struct`, and a struct's field
//! (`s.x`). Out-of-range positions give null, as Spark's non-ANSI mode does.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, GenericListArray, Int32Array,
    ListArray, StringBuilder, StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::{interleave, sort_to_indices, take, SortOptions};
use arrow::datatypes::{DataType, Field, Fields};
use arrow::row::{RowConverter, SortField};

use super::arrays::{check_cancel_at, strings};
use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::{unify, Bound};
use crate::expr::kernel::Kernel;
use crate::types::names::spark_type_name;
use crate::types::schema::normalize_float_keys;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["array"],
        column_name: ColumnName::AsWritten,
        bind: array,
    },
    ScalarFunction {
        names: &["array_repeat"],
        column_name: ColumnName::AsWritten,
        bind: array_repeat,
    },
    ScalarFunction {
        names: &["size", "cardinality"],
        column_name: ColumnName::AsWritten,
        bind: size,
    },
    ScalarFunction {
        names: &["element_at"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| item(call, args, true),
    },
    ScalarFunction {
        // `a[i]`: a name SQL text cannot call.
        names: &["[]"],
        column_name: ColumnName::Subscript,
        bind: |call, args| item(call, args, false),
    },
    ScalarFunction {
        names: &["array_contains"],
        column_name: ColumnName::AsWritten,
        bind: array_contains,
    },
    ScalarFunction {
        names: &["sort_array"],
        column_name: ColumnName::Defaults(&[(1, "true")]),
        bind: sort_array,
    },
    ScalarFunction {
        names: &["array_join"],
        column_name: ColumnName::AsWritten,
        bind: array_join,
    },
    ScalarFunction {
        names: &["array_distinct"],
        column_name: ColumnName::AsWritten,
        bind: array_distinct,
    },
    ScalarFunction {
        // `(expr).x`: a name SQL text cannot call.
        names: &["."],
        column_name: ColumnName::Field,
        bind: field_of,
    },
    ScalarFunction {
        names: &["struct"],
        column_name: ColumnName::AsWritten,
        bind: structure,
    },
    ScalarFunction {
        names: &["named_struct"],
        column_name: ColumnName::AsWritten,
        bind: named_struct,
    },
];

fn arrow_error(what: &'static str) -> impl Fn(arrow::error::ArrowError) -> Error {
    move |e| Error::arrow(what, e)
}

/// The element type of an array argument, or an error naming the call.
fn element_type(call: &Call, arg: &Bound) -> Result<DataType> {
    match arg.data_type() {
        DataType::List(field) => Ok(field.data_type().clone()),
        // A bare NULL has no element type: Spark refuses it too (`void`).
        other => Err(call.error(format!(
            "{} needs an array, not {}",
            call.name,
            spark_type_name(&other)
        ))),
    }
}

fn list_type(element: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", element, true)))
}

/// The argument as a list array (binding checked it is one).
fn lists(array: &ArrayRef) -> Result<ListArray> {
    array
        .as_list_opt::<i32>()
        .cloned()
        .ok_or_else(|| Error::Internal(format!("not an array: {}", array.data_type())))
}

/// `array(a, b, ...)`: the arguments, met in one type, as one array per row.
fn array(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    let element = unify(&args, call.text)?;
    let n = args.len();
    let field = Arc::new(Field::new("element", element.clone(), true));
    let out_field = field.clone();
    let kernel = Kernel::new("array", move |columns: &[ArrayRef], rows: usize| {
        let values = if n == 0 {
            new_null_array(out_field.data_type(), 0)
        } else {
            let refs: Vec<&dyn Array> = columns.iter().map(|c| c.as_ref()).collect();
            let indices: Vec<(usize, usize)> = (0..rows)
                .flat_map(|row| (0..n).map(move |c| (c, row)))
                .collect();
            interleave(&refs, &indices).map_err(arrow_error("array"))?
        };
        let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(n, rows));
        Ok(Arc::new(
            ListArray::try_new(out_field.clone(), offsets, values, None)
                .map_err(arrow_error("array"))?,
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![element; n],
        DataType::List(field),
    ))
}

/// `array_repeat(x, n)`: x n times (no elements for n below 1; null for a null n).
fn array_repeat(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let element = args[0].data_type();
    let field = Arc::new(Field::new("element", element.clone(), true));
    let out_field = field.clone();
    let kernel = Kernel::new("array_repeat", move |columns: &[ArrayRef], rows: usize| {
        let counts = columns[1].as_primitive::<arrow::datatypes::Int32Type>();
        // The copies are held from the memory budget (an index and a value each, at least),
        // so `array_repeat(x, 2147483647)` is an error, not an allocation the machine lacks.
        let total: usize = (0..rows)
            .filter(|&row| counts.is_valid(row))
            .map(|row| counts.value(row).max(0) as usize)
            .sum();
        let mut held = crate::memory::Reservation::new("array_repeat");
        held.resize(total.saturating_mul(16))?;
        let mut indices: Vec<u32> = Vec::with_capacity(total);
        let mut lengths = Vec::with_capacity(rows);
        for row in 0..rows {
            check_cancel_at(row)?;
            let n = if counts.is_null(row) {
                0
            } else {
                counts.value(row).max(0) as usize
            };
            indices.extend(std::iter::repeat_n(row as u32, n));
            lengths.push(n);
        }
        let values = take(columns[0].as_ref(), &UInt32Array::from(indices), None)
            .map_err(arrow_error("array_repeat"))?;
        Ok(Arc::new(
            ListArray::try_new(
                out_field.clone(),
                OffsetBuffer::from_lengths(lengths),
                values,
                counts.nulls().cloned(),
            )
            .map_err(arrow_error("array_repeat"))?,
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![element, DataType::Int32],
        DataType::List(field),
    ))
}

/// `size(a)`: the element count; -1 for a null array (Spark's default, legacy sizeOfNull).
fn size(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    element_type(call, &args[0])?;
    let t = args[0].data_type();
    let kernel = Kernel::new("size", move |columns: &[ArrayRef], _| {
        let list = lists(&columns[0])?;
        let sizes: Int32Array = (0..list.len())
            .map(|i| {
                Some(if list.is_null(i) {
                    -1
                } else {
                    list.value_length(i)
                })
            })
            .collect();
        Ok(Arc::new(sizes) as ArrayRef)
    });
    Ok(bound_call(kernel, args, vec![t], DataType::Int32))
}

/// `element_at(a, i)` (1-based, negative counts from the end) and `a[i]` (0-based): null past
/// either end; `element_at(a, 0)` is an error, as in Spark.
fn item(call: &Call, args: Vec<Bound>, one_based: bool) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    if let DataType::Map(_, _) = args[0].data_type() {
        return Err(call.error("maps are not supported"));
    }
    let element = element_type(call, &args[0])?;
    let t = args[0].data_type();
    if one_based && super::signature::literal_text(&args[1]).as_deref() == Some("0") {
        return Err(call.error("SQL array indices start at 1"));
    }
    let kernel = Kernel::new("element_at", {
        move |columns: &[ArrayRef], _| {
            let list = lists(&columns[0])?;
            let positions = columns[1].as_primitive::<arrow::datatypes::Int32Type>();
            let mut indices: Vec<Option<u32>> = Vec::with_capacity(list.len());
            for row in 0..list.len() {
                if list.is_null(row) || positions.is_null(row) {
                    indices.push(None);
                    continue;
                }
                let (start, len) = (
                    list.value_offsets()[row] as i64,
                    list.value_length(row) as i64,
                );
                let p = positions.value(row) as i64;
                let at = match (one_based, p) {
                    (true, 0) => {
                        return Err(Error::analysis("element_at: SQL array indices start at 1"))
                    }
                    (true, p) if p > 0 => p - 1,
                    (true, p) => len + p,
                    (false, p) => p,
                };
                indices.push((at >= 0 && at < len).then(|| (start + at) as u32));
            }
            take(list.values().as_ref(), &UInt32Array::from(indices), None)
                .map_err(arrow_error("element_at"))
        }
    });
    Ok(bound_call(kernel, args, vec![t, DataType::Int32], element))
}

/// `array_contains(a, v)`: true when found; null when `a` or `v` is null, or when not found
/// and `a` holds a null.
fn array_contains(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let element = element_type(call, &args[0])?;
    let common =
        crate::types::coerce::common_type(&element, &args[1].data_type()).ok_or_else(|| {
            call.error(format!(
                "cannot look for {} in an array of {}",
                spark_type_name(&args[1].data_type()),
                spark_type_name(&element)
            ))
        })?;
    let kernel = Kernel::new("array_contains", {
        let common = common.clone();
        move |columns: &[ArrayRef], _| {
            let list = lists(&columns[0])?;
            let converter = RowConverter::new(vec![SortField::new(common.clone())])
                .map_err(arrow_error("array_contains"))?;
            let values = converter
                .convert_columns(&normalize_float_keys(vec![list.values().clone()]))
                .map_err(arrow_error("array_contains"))?;
            let wanted = converter
                .convert_columns(&normalize_float_keys(vec![columns[1].clone()]))
                .map_err(arrow_error("array_contains"))?;
            let out: BooleanArray = (0..list.len())
                .map(|row| {
                    if list.is_null(row) || columns[1].is_null(row) {
                        return None;
                    }
                    let offsets = list.value_offsets();
                    let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                    let mut saw_null = false;
                    for i in start..end {
                        if list.values().is_null(i) {
                            saw_null = true;
                        } else if values.row(i) == wanted.row(row) {
                            return Some(true);
                        }
                    }
                    (!saw_null).then_some(false)
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }
    });
    Ok(bound_call(
        kernel,
        args,
        vec![list_type(common.clone()), common],
        DataType::Boolean,
    ))
}

/// A list array with each row's elements reordered or filtered by `pick` (positions within the
/// row's slice of `values`).
fn per_row(
    list: &ListArray,
    mut pick: impl FnMut(usize, &ArrayRef, usize, usize) -> Result<Vec<u32>>,
) -> Result<ArrayRef> {
    let mut indices: Vec<u32> = Vec::new();
    let mut lengths: Vec<usize> = Vec::with_capacity(list.len());
    let offsets = list.value_offsets();
    for row in 0..list.len() {
        check_cancel_at(row)?;
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        if list.is_null(row) {
            lengths.push(0);
            continue;
        }
        let chosen = pick(row, list.values(), start, end)?;
        lengths.push(chosen.len());
        indices.extend(chosen);
    }
    let values = take(list.values().as_ref(), &UInt32Array::from(indices), None)
        .map_err(arrow_error("array"))?;
    let field = match list.data_type() {
        DataType::List(f) => f.clone(),
        _ => Arc::new(Field::new("element", values.data_type().clone(), true)),
    };
    Ok(Arc::new(
        GenericListArray::<i32>::try_new(
            field,
            OffsetBuffer::from_lengths(lengths),
            values,
            list.nulls().cloned(),
        )
        .map_err(arrow_error("array"))?,
    ))
}

/// `sort_array(a [, ascending])`: nulls first ascending, last descending, as Spark.
fn sort_array(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    element_type(call, &args[0])?;
    let ascending = match args.get(1) {
        None => true,
        Some(_) => match call
            .literal_text(&args, 1, "order")?
            .to_ascii_lowercase()
            .as_str()
        {
            "true" => true,
            "false" => false,
            _ => return Err(call.error("the order of sort_array must be true or false")),
        },
    };
    args.truncate(1);
    let t = args[0].data_type();
    let kernel = Kernel::new("sort_array", move |columns: &[ArrayRef], _| {
        let list = lists(&columns[0])?;
        let options = SortOptions {
            descending: !ascending,
            nulls_first: ascending,
        };
        let values = normalize_float_keys(vec![list.values().clone()]).remove(0);
        per_row(&list, |_, _, start, end| {
            let slice = values.slice(start, end - start);
            let order = sort_to_indices(slice.as_ref(), Some(options), None)
                .map_err(arrow_error("sort_array"))?;
            Ok(order.values().iter().map(|i| start as u32 + i).collect())
        })
    });
    Ok(bound_call(kernel, args, vec![t.clone()], t))
}

/// `array_distinct(a)`: each value once, in first-seen order (null kept once).
fn array_distinct(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let element = element_type(call, &args[0])?;
    let t = args[0].data_type();
    let kernel = Kernel::new("array_distinct", move |columns: &[ArrayRef], _| {
        let list = lists(&columns[0])?;
        let converter = RowConverter::new(vec![SortField::new(element.clone())])
            .map_err(arrow_error("array_distinct"))?;
        let rows = converter
            .convert_columns(&normalize_float_keys(vec![list.values().clone()]))
            .map_err(arrow_error("array_distinct"))?;
        per_row(&list, |_, _, start, end| {
            let mut seen = HashSet::new();
            Ok((start..end)
                .filter(|&i| seen.insert(rows.row(i)))
                .map(|i| i as u32)
                .collect())
        })
    });
    Ok(bound_call(kernel, args, vec![t.clone()], t))
}

/// `array_join(a, sep [, null_replacement])`: the elements as text, nulls skipped unless
/// replaced.
fn array_join(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    element_type(call, &args[0])?;
    let n = args.len();
    let mut types = vec![list_type(DataType::Utf8), DataType::Utf8];
    if n == 3 {
        types.push(DataType::Utf8);
    }
    let kernel = Kernel::new("array_join", move |columns: &[ArrayRef], _| {
        let list = lists(&columns[0])?;
        let separators = strings(&columns[1]);
        let replacement = columns.get(2).map(strings);
        let values = list.values();
        let values = strings(values);
        let mut out = StringBuilder::new();
        let mut buffer = String::new();
        for row in 0..list.len() {
            if list.is_null(row)
                || separators.is_null(row)
                || replacement.is_some_and(|r| r.is_null(row))
            {
                out.append_null();
                continue;
            }
            buffer.clear();
            let offsets = list.value_offsets();
            let mut first = true;
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                let text = match (values.is_null(i), replacement) {
                    (false, _) => values.value(i),
                    (true, Some(r)) => r.value(row),
                    (true, None) => continue,
                };
                if !first {
                    buffer.push_str(separators.value(row));
                }
                buffer.push_str(text);
                first = false;
            }
            out.append_value(&buffer);
        }
        Ok(Arc::new(out.finish()) as ArrayRef)
    });
    Ok(bound_call(kernel, args, types, DataType::Utf8))
}

/// A struct of `args` with these field names.
fn struct_of(names: Vec<String>, args: Vec<Bound>) -> Bound {
    let fields: Fields = names
        .iter()
        .zip(&args)
        .map(|(name, a)| Field::new(name, a.data_type(), true))
        .collect();
    let data_type = DataType::Struct(fields.clone());
    let kernel = Kernel::new("struct", move |columns: &[ArrayRef], rows: usize| {
        let array = if fields.is_empty() {
            StructArray::new_empty_fields(rows, None)
        } else {
            StructArray::try_new(fields.clone(), columns.to_vec(), None)
                .map_err(arrow_error("struct"))?
        };
        Ok(Arc::new(array) as ArrayRef)
    });
    Bound::Function {
        kernel,
        args,
        data_type,
    }
}

/// `struct(a, b)`: fields named after the columns given (`col1`, `col2`, ... for others), as
/// Spark names them.
fn structure(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    let names = call
        .arg_names
        .iter()
        .enumerate()
        .map(|(i, name)| name.clone().unwrap_or_else(|| format!("col{}", i + 1)))
        .collect();
    Ok(struct_of(names, args))
}

/// `named_struct('x', a, 'y', b)`.
fn named_struct(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    if !args.len().is_multiple_of(2) || args.is_empty() {
        return Err(call.error("named_struct takes name, value pairs"));
    }
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (i, pair) in args.chunks(2).enumerate() {
        let name = super::signature::literal_text(&pair[0])
            .ok_or_else(|| call.error(format!("field name {} must be a literal string", i + 1)))?;
        names.push(name);
        values.push(pair[1].clone());
    }
    Ok(struct_of(names, values))
}

/// `(expr).x`: a field of a struct value.
fn field_of(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let name = call.literal_text(&args, 1, "field name")?;
    let t = args[0].data_type();
    get_field(args[0].clone(), &name)
        .ok_or_else(|| call.error(format!("no field {name} in {}", spark_type_name(&t))))
}

/// A struct's field (`s.x`), bound when `s` is a struct column.
pub fn get_field(value: Bound, field: &str) -> Option<Bound> {
    let DataType::Struct(fields) = value.data_type() else {
        return None;
    };
    let index = fields.iter().position(|f| f.name() == field).or_else(|| {
        fields
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(field))
    })?;
    let data_type = fields[index].data_type().clone();
    let kernel = Kernel::new("get_field", move |columns: &[ArrayRef], _| {
        let parent = columns[0].as_struct();
        let child = parent.column(index).clone();
        // A null struct has null fields.
        Ok(match parent.nulls() {
            Some(nulls) => {
                let merged = NullBuffer::union(Some(nulls), child.nulls());
                let data = child.to_data().into_builder().nulls(merged).build();
                arrow::array::make_array(data.map_err(arrow_error("get_field"))?)
            }
            None => child,
        })
    });
    Some(Bound::Function {
        kernel,
        args: vec![value],
        data_type,
    })
}
