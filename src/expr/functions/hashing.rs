//! Hash functions: `hash` (Spark's Murmur3_x86_32, seed 42, value by value as Spark feeds each
//! type), `md5`, `sha1`/`sha`, `sha2` and `crc32` (of a string's UTF-8 bytes or a binary).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, Int64Array, StringArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimeUnit, TimestampMicrosecondType,
};
use md5::Digest;

use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;
use crate::types::names::spark_type_name;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["hash"],
        column_name: ColumnName::AsWritten,
        bind: hash,
    },
    ScalarFunction {
        names: &["md5"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| digest(call, args, Digester::Md5),
    },
    ScalarFunction {
        names: &["sha1", "sha"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| digest(call, args, Digester::Sha1),
    },
    ScalarFunction {
        names: &["sha2"],
        column_name: ColumnName::AsWritten,
        bind: sha2,
    },
    ScalarFunction {
        names: &["crc32"],
        column_name: ColumnName::AsWritten,
        bind: crc32,
    },
];

const SEED: u32 = 42;

fn mix_k1(k1: u32) -> u32 {
    k1.wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593)
}

fn mix_h1(h1: u32, k1: u32) -> u32 {
    (h1 ^ k1)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn fmix(mut h1: u32, length: u32) -> u32 {
    h1 ^= length;
    h1 ^= h1 >> 16;
    h1 = h1.wrapping_mul(0x85eb_ca6b);
    h1 ^= h1 >> 13;
    h1 = h1.wrapping_mul(0xc2b2_ae35);
    h1 ^ (h1 >> 16)
}

fn hash_int(value: i32, seed: u32) -> u32 {
    fmix(mix_h1(seed, mix_k1(value as u32)), 4)
}

fn hash_long(value: i64, seed: u32) -> u32 {
    let low = value as u32;
    let high = (value as u64 >> 32) as u32;
    let h1 = mix_h1(seed, mix_k1(low));
    fmix(mix_h1(h1, mix_k1(high)), 8)
}

/// Spark's `hashUnsafeBytes`: whole little-endian words, then each trailing byte (sign-extended)
/// as a word of its own.
fn hash_bytes(bytes: &[u8], seed: u32) -> u32 {
    let aligned = bytes.len() - bytes.len() % 4;
    let mut h1 = seed;
    for word in bytes[..aligned].chunks_exact(4) {
        let k = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        h1 = mix_h1(h1, mix_k1(k));
    }
    for &b in &bytes[aligned..] {
        h1 = mix_h1(h1, mix_k1(b as i8 as i32 as u32));
    }
    fmix(h1, bytes.len() as u32)
}

/// Fold row `row` of `array` into `seed` as Spark's Murmur3Hash does (a null leaves it).
fn hash_value(array: &ArrayRef, row: usize, seed: u32) -> u32 {
    if array.is_null(row) {
        return seed;
    }
    match array.data_type() {
        DataType::Boolean => hash_int(i32::from(array.as_boolean().value(row)), seed),
        DataType::Int8 => hash_int(i32::from(array.as_primitive::<Int8Type>().value(row)), seed),
        DataType::Int16 => hash_int(
            i32::from(array.as_primitive::<Int16Type>().value(row)),
            seed,
        ),
        DataType::Int32 => hash_int(array.as_primitive::<Int32Type>().value(row), seed),
        DataType::Date32 => hash_int(array.as_primitive::<Date32Type>().value(row), seed),
        DataType::Int64 => hash_long(array.as_primitive::<Int64Type>().value(row), seed),
        DataType::Timestamp(TimeUnit::Microsecond, _) => hash_long(
            array.as_primitive::<TimestampMicrosecondType>().value(row),
            seed,
        ),
        DataType::Float32 => {
            let v = array.as_primitive::<Float32Type>().value(row);
            // -0.0 hashes as 0.0, and every NaN as the one NaN.
            let v = if v == 0.0 { 0.0f32 } else { v };
            let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
            hash_int(bits as i32, seed)
        }
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            let v = if v == 0.0 { 0.0f64 } else { v };
            let bits = if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            hash_long(bits as i64, seed)
        }
        DataType::Utf8 => hash_bytes(array.as_string::<i32>().value(row).as_bytes(), seed),
        DataType::Binary => hash_bytes(array.as_binary::<i32>().value(row), seed),
        DataType::Decimal128(precision, _) => {
            let unscaled = array.as_primitive::<Decimal128Type>().value(row);
            if *precision <= 18 {
                hash_long(unscaled as i64, seed)
            } else {
                hash_bytes(&java_big_integer_bytes(unscaled), seed)
            }
        }
        DataType::List(_) => {
            let values = array.as_list::<i32>().value(row);
            (0..values.len()).fold(seed, |h, i| hash_value(&values, i, h))
        }
        DataType::Struct(_) => array
            .as_struct()
            .columns()
            .iter()
            .fold(seed, |h, column| hash_value(column, row, h)),
        _ => seed,
    }
}

/// Java's `BigInteger.toByteArray`: the shortest big-endian two's complement bytes.
fn java_big_integer_bytes(value: i128) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// `hash(a, b, ...)`: an int, each argument folded into the last's hash.
fn hash(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=usize::MAX, &args)?;
    for arg in &args {
        let t = arg.data_type();
        if matches!(t, DataType::Map(_, _)) {
            return Err(call.error(format!("hash of {} is not supported", spark_type_name(&t))));
        }
    }
    let types: Vec<DataType> = args.iter().map(|a| a.data_type()).collect();
    let kernel = Kernel::new("hash", |columns: &[ArrayRef], rows: usize| {
        let hashes: Int32Array = (0..rows)
            .map(|row| {
                let h = columns
                    .iter()
                    .fold(SEED, |h, column| hash_value(column, row, h));
                Some(h as i32)
            })
            .collect();
        Ok(Arc::new(hashes) as ArrayRef)
    });
    Ok(bound_call(kernel, args, types, DataType::Int32))
}

#[derive(Clone, Copy)]
enum Digester {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digester {
    fn hex(self, bytes: &[u8], out: &mut String) {
        use std::fmt::Write;
        let digest: Vec<u8> = match self {
            Digester::Md5 => md5::Md5::digest(bytes).to_vec(),
            Digester::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            Digester::Sha224 => sha2::Sha224::digest(bytes).to_vec(),
            Digester::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Digester::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Digester::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        };
        for b in digest {
            let _ = write!(out, "{b:02x}");
        }
    }
}

/// The bytes a digest reads: a binary's, or a string's UTF-8 (anything else is cast to text).
fn bytes_of(column: &ArrayRef, row: usize) -> &[u8] {
    match column.data_type() {
        DataType::Binary => column.as_binary::<i32>().value(row),
        _ => column.as_string::<i32>().value(row).as_bytes(),
    }
}

fn input_type(arg: &Bound) -> DataType {
    match arg.data_type() {
        DataType::Binary => DataType::Binary,
        _ => DataType::Utf8,
    }
}

fn hex_kernel(name: &'static str, digester: Option<Digester>) -> Kernel {
    Kernel::new(name, move |columns: &[ArrayRef], rows: usize| {
        let mut text = String::new();
        let out: StringArray = (0..rows)
            .map(|row| {
                let digester = digester?;
                if columns[0].is_null(row) {
                    return None;
                }
                text.clear();
                digester.hex(bytes_of(&columns[0], row), &mut text);
                Some(text.clone())
            })
            .collect();
        Ok(Arc::new(out) as ArrayRef)
    })
}

/// `md5(x)`, `sha1(x)`: the digest in lower-case hex.
fn digest(call: &Call, args: Vec<Bound>, digester: Digester) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let t = input_type(&args[0]);
    Ok(bound_call(
        hex_kernel("digest", Some(digester)),
        args,
        vec![t],
        DataType::Utf8,
    ))
}

/// `sha2(x, bits)`: 224, 256 (or 0), 384 or 512; any other length gives null, as in Spark.
fn sha2(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let bits = call.literal_int(&args, 1, "bit length")?;
    let digester = match bits {
        224 => Some(Digester::Sha224),
        0 | 256 => Some(Digester::Sha256),
        384 => Some(Digester::Sha384),
        512 => Some(Digester::Sha512),
        _ => None,
    };
    args.truncate(1);
    let t = input_type(&args[0]);
    Ok(bound_call(
        hex_kernel("sha2", digester),
        args,
        vec![t],
        DataType::Utf8,
    ))
}

/// `crc32(x)`: a bigint.
fn crc32(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let t = input_type(&args[0]);
    let kernel = Kernel::new("crc32", |columns: &[ArrayRef], rows: usize| {
        let out: Int64Array = (0..rows)
            .map(|row| {
                (!columns[0].is_null(row))
                    .then(|| i64::from(crc32fast::hash(bytes_of(&columns[0], row))))
            })
            .collect();
        Ok(Arc::new(out) as ArrayRef)
    });
    Ok(bound_call(kernel, args, vec![t], DataType::Int64))
}
