//! Spark's DecimalType, exactly. Types: the result type of decimal arithmetic (Spark 3.3's
//! DecimalPrecision with `allowPrecisionLoss`, the default), the decimal an integer becomes, and
//! the wider of two decimals. Values (arrow's Decimal128: an i128 unscaled number): rescaling
//! rounds HALF_UP and a value that does not fit is null (non-ANSI); `*` and `/` first round the
//! exact result to 38 significant digits, as Spark's `Decimal` does with
//! `MathContext(38, HALF_UP)`, then to the result type's scale; text is Java's
//! `BigDecimal.toString` (`1E-8`) and `new BigDecimal(text)`. Exact intermediates are i256.

use arrow::datatypes::{i256, DataType};

pub const MAX_PRECISION: u8 = 38;

/// The fewest fractional digits a result type keeps when it has to give up precision.
const MINIMUM_ADJUSTED_SCALE: i32 = 6;

/// A decimal's precision (digits in all) and scale (digits after the point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalType {
    pub precision: u8,
    pub scale: i8,
}

/// The binary operators with decimal result types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

impl DecimalType {
    pub const fn new(precision: u8, scale: i8) -> DecimalType {
        DecimalType { precision, scale }
    }

    /// The decimal type `t` is, if it is one.
    pub fn of(t: &DataType) -> Option<DecimalType> {
        match t {
            DataType::Decimal128(p, s) => Some(DecimalType::new(*p, *s)),
            _ => None,
        }
    }

    pub fn data_type(self) -> DataType {
        DataType::Decimal128(self.precision, self.scale)
    }

    /// Precision and scale capped at 38 (Spark's `DecimalType.bounded`).
    pub fn bounded(precision: i32, scale: i32) -> DecimalType {
        let cap = i32::from(MAX_PRECISION);
        DecimalType::new(precision.clamp(1, cap) as u8, scale.clamp(0, cap) as i8)
    }

    /// A result type that needs more than 38 digits gives up fractional digits, keeping the
    /// integer part whole and at least 6 (or its own) fractional digits
    /// (`DecimalType.adjustPrecisionScale`).
    pub fn adjusted(precision: i32, scale: i32) -> DecimalType {
        let cap = i32::from(MAX_PRECISION);
        if precision <= cap {
            return DecimalType::bounded(precision, scale);
        }
        let integer_digits = precision - scale;
        let min_scale = scale.min(MINIMUM_ADJUSTED_SCALE);
        DecimalType::bounded(cap, (cap - integer_digits).max(min_scale))
    }

    /// The narrowest type both `self` and `other` fit in, within 38 digits
    /// (`widerDecimalType`: union, CASE, COALESCE and comparisons meet in it).
    pub fn wider(self, other: DecimalType) -> DecimalType {
        let scale = self.scale.max(other.scale) as i32;
        let range = self.integer_digits().max(other.integer_digits());
        DecimalType::bounded(range + scale, scale)
    }

    /// The decimal an integer column becomes next to a decimal (`DecimalType.forType`).
    pub fn for_integer(t: &DataType) -> Option<DecimalType> {
        Some(match t {
            DataType::Int8 => DecimalType::new(3, 0),
            DataType::Int16 => DecimalType::new(5, 0),
            DataType::Int32 => DecimalType::new(10, 0),
            DataType::Int64 => DecimalType::new(20, 0),
            _ => return None,
        })
    }

    /// The decimal an integer literal becomes next to a decimal: just its own digits
    /// (`DecimalType.forLiteral`), so `x * 2` does not cost `x` ten digits.
    pub fn for_integer_value(value: i128) -> DecimalType {
        DecimalType::new(digits(value.unsigned_abs()).max(1) as u8, 0)
    }

    fn integer_digits(self) -> i32 {
        i32::from(self.precision) - i32::from(self.scale)
    }
}

/// The type of `a op b` for decimals `a` and `b`.
pub fn result_type(op: DecimalOp, a: DecimalType, b: DecimalType) -> DecimalType {
    let (p1, s1) = (i32::from(a.precision), i32::from(a.scale));
    let (p2, s2) = (i32::from(b.precision), i32::from(b.scale));
    match op {
        DecimalOp::Add | DecimalOp::Subtract => {
            let scale = s1.max(s2);
            DecimalType::adjusted((p1 - s1).max(p2 - s2) + scale + 1, scale)
        }
        DecimalOp::Multiply => DecimalType::adjusted(p1 + p2 + 1, s1 + s2),
        DecimalOp::Divide => {
            let scale = MINIMUM_ADJUSTED_SCALE.max(s1 + p2 + 1);
            DecimalType::adjusted(p1 - s1 + s2 + scale, scale)
        }
        DecimalOp::Remainder => {
            let scale = s1.max(s2);
            DecimalType::adjusted((p1 - s1).min(p2 - s2) + scale, scale)
        }
    }
}

/// The type both operands of `a op b` are cast to first (Spark's PromotePrecision): the result
/// type for `+` and `-`, the wider operand type for the others.
pub fn operand_type(op: DecimalOp, a: DecimalType, b: DecimalType) -> DecimalType {
    match op {
        DecimalOp::Add | DecimalOp::Subtract => result_type(op, a, b),
        _ => a.wider(b),
    }
}

const fn powers_of_ten() -> [i128; 39] {
    let mut out = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        out[i] = out[i - 1] * 10;
        i += 1;
    }
    out
}

const POW10: [i128; 39] = powers_of_ten();

/// 10^n for n <= 38.
pub fn pow10(n: u32) -> i128 {
    POW10[n as usize]
}

/// 10^n for n <= 76 (the largest power of ten an i256 holds).
fn pow10_wide(n: u32) -> i256 {
    i256::from_i128(10).wrapping_pow(n)
}

/// The number of decimal digits of `v` (0 for 0).
fn digits(v: u128) -> u32 {
    if v == 0 {
        0
    } else {
        v.ilog10() + 1
    }
}

fn digits_wide(v: i256) -> u32 {
    let v = v.wrapping_abs();
    if v == i256::ZERO {
        0
    } else {
        v.ilog10() + 1
    }
}

/// Whether `v` has at most `precision` digits.
pub fn fits(v: i128, precision: u8) -> bool {
    v.unsigned_abs() < POW10[usize::from(precision.min(MAX_PRECISION))] as u128
}

/// `v / 10^n`, rounded HALF_UP.
fn shift_right_half_up(v: i256, n: u32) -> i256 {
    if n == 0 {
        return v;
    }
    if n > 76 {
        // |v| < 10^77 is below half of 10^n.
        return i256::ZERO;
    }
    let factor = pow10_wide(n);
    let (quotient, remainder) = v.wrapping_div_rem(factor);
    if remainder.wrapping_abs().wrapping_mul(i256::from_i128(2)) >= factor {
        quotient.wrapping_add(v.signum())
    } else {
        quotient
    }
}

/// `v` at scale `from` as a value of `to`: HALF_UP when digits are dropped, None when it does
/// not fit (Spark's `changePrecision`).
pub fn rescale(v: i128, from: i8, to: DecimalType) -> Option<i128> {
    rescale_wide(i256::from_i128(v), i32::from(from), to)
}

fn rescale_wide(v: i256, from: i32, to: DecimalType) -> Option<i128> {
    let to_scale = i32::from(to.scale);
    let moved = if to_scale >= from {
        if v == i256::ZERO {
            return Some(0);
        }
        let up = u32::try_from(to_scale - from).ok().filter(|n| *n <= 76)?;
        v.checked_mul(pow10_wide(up))?
    } else {
        shift_right_half_up(v, (from - to_scale) as u32)
    };
    let out = moved.to_i128()?;
    fits(out, to.precision).then_some(out)
}

/// `v` at `scale` rounded HALF_UP to 38 significant digits (Java's `MathContext(38)`), with the
/// scale that leaves it at.
fn round_to_38_digits(v: i256, scale: i32) -> (i256, i32) {
    let n = digits_wide(v);
    if n <= u32::from(MAX_PRECISION) {
        (v, scale)
    } else {
        let drop = n - u32::from(MAX_PRECISION);
        (shift_right_half_up(v, drop), scale - drop as i32)
    }
}

/// `a op b` for two values of one decimal type at `scale` (see `operand_type`), as a value of
/// `result`; None is null: division by zero, or a result that does not fit.
pub fn apply(op: DecimalOp, a: i128, b: i128, scale: i8, result: DecimalType) -> Option<i128> {
    let (wide_a, wide_b, scale) = (i256::from_i128(a), i256::from_i128(b), i32::from(scale));
    match op {
        DecimalOp::Add => rescale_wide(wide_a.wrapping_add(wide_b), scale, result),
        DecimalOp::Subtract => rescale_wide(wide_a.wrapping_sub(wide_b), scale, result),
        DecimalOp::Multiply => {
            // Exact: two 38-digit values multiply to at most 76 digits.
            let (product, product_scale) =
                round_to_38_digits(wide_a.wrapping_mul(wide_b), 2 * scale);
            rescale_wide(product, product_scale, result)
        }
        DecimalOp::Divide => divide(a, b, result),
        // Java's remainder has the sign of the dividend, as Rust's `%`.
        DecimalOp::Remainder => {
            (b != 0).then(|| rescale_wide(i256::from_i128(a % b), scale, result))?
        }
    }
}

/// `a / b` for two values at one scale: Spark divides to 38 significant digits (HALF_UP) and
/// then rounds that to the result scale (HALF_UP). Computed exactly: the quotient at the result
/// scale, and from its remainder whether the two roundings carry.
fn divide(a: i128, b: i128, result: DecimalType) -> Option<i128> {
    if b == 0 {
        return None;
    }
    let scale = u32::try_from(result.scale).ok()?;
    let numerator = i256::from_i128(a)
        .wrapping_abs()
        .checked_mul(pow10_wide(scale))?;
    let denominator = i256::from_i128(b).wrapping_abs();
    let (quotient, remainder) = numerator.wrapping_div_rem(denominator);
    let two_remainders = remainder.wrapping_mul(i256::from_i128(2));
    let quotient_digits = digits_wide(quotient);
    let up = if quotient == i256::ZERO || quotient_digits >= u32::from(MAX_PRECISION) {
        // The 38-digit rounding falls at or beyond where the result rounds, or (for a zero
        // quotient) past every digit of the remainder: one rounding.
        two_remainders >= denominator
    } else {
        // The first rounding keeps `extra` digits past the result scale; it carries into the
        // result's last digit when the remainder fraction is within half a unit of those
        // digits below one half: denominator - 2 * remainder <= denominator / 10^extra.
        let extra = u32::from(MAX_PRECISION) - quotient_digits;
        denominator.wrapping_sub(two_remainders) <= denominator.wrapping_div(pow10_wide(extra))
    };
    let magnitude = if up {
        quotient.wrapping_add(i256::ONE)
    } else {
        quotient
    }
    .to_i128()?;
    let value = if (a < 0) != (b < 0) {
        -magnitude
    } else {
        magnitude
    };
    fits(value, result.precision).then_some(value)
}

/// `a div b` for two values at one scale: the quotient truncated toward zero, as a long
/// (Spark's `quot` then `toLong`, which keeps the low 64 bits).
pub fn integral_divide(a: i128, b: i128) -> Option<i64> {
    (b != 0).then(|| (a / b) as i64)
}

/// A decimal's integer part (truncated toward zero), as Java's `BigDecimal.longValue` (the low
/// 64 bits).
pub fn to_i64(v: i128, scale: i8) -> i64 {
    if scale <= 0 {
        v.wrapping_mul(pow10(u32::from(scale.unsigned_abs()).min(38))) as i64
    } else {
        (v / pow10(u32::from(scale as u8).min(38))) as i64
    }
}

/// Exact powers of ten as doubles (10^22 is the largest).
const DOUBLE_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The double nearest to a decimal (Java's `BigDecimal.doubleValue`).
pub fn to_f64(v: i128, scale: i8) -> f64 {
    if v.unsigned_abs() < (1u128 << 53) && (0..=22).contains(&scale) {
        // Both exact as doubles, so one correctly rounded division.
        v as f64 / DOUBLE_POW10[scale as usize]
    } else {
        format!("{v}e{}", -i32::from(scale))
            .parse()
            .unwrap_or(f64::NAN)
    }
}

/// The float nearest to a decimal (Java's `BigDecimal.floatValue`).
pub fn to_f32(v: i128, scale: i8) -> f32 {
    format!("{v}e{}", -i32::from(scale))
        .parse()
        .unwrap_or(f32::NAN)
}

/// A double as a decimal of `to`: its shortest decimal text (as Spark goes through
/// `Double.toString`), rounded HALF_UP; None for NaN, infinities and values that do not fit.
pub fn from_f64(v: f64, to: DecimalType) -> Option<i128> {
    if !v.is_finite() {
        return None;
    }
    parse_digits(format!("{v:e}").as_bytes(), to)
}

/// An integer as a decimal of `to`; None when it does not fit.
pub fn from_i64(v: i64, to: DecimalType) -> Option<i128> {
    rescale(i128::from(v), 0, to)
}

/// Java's `BigDecimal.toString`: plain digits, unless the value's exponent is below -6 (or the
/// scale negative), then one digit, a fraction and an exponent: `1E-8`, `-1.20E-7`, `0E-8`.
pub fn write_text(out: &mut String, v: i128, scale: i8) {
    let digits = v.unsigned_abs().to_string();
    let scale = i64::from(scale);
    let adjusted = digits.len() as i64 - 1 - scale;
    if v < 0 {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > scale {
            let (integer, fraction) = digits.split_at(digits.len() - scale);
            out.push_str(integer);
            out.push('.');
            out.push_str(fraction);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
    }
}

pub fn text(v: i128, scale: i8) -> String {
    let mut out = String::new();
    write_text(&mut out, v, scale);
    out
}

/// Text as Spark's cast from string reads it: Java's `new BigDecimal(text.trim())` (a sign,
/// digits with one optional point, an optional exponent), rounded HALF_UP to `to`; None for
/// anything else or a value that does not fit.
pub fn parse(text: &str, to: DecimalType) -> Option<i128> {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| *b > b' ')?;
    let end = bytes.iter().rposition(|b| *b > b' ')? + 1;
    parse_digits(&bytes[start..end], to)
}

/// The text of a decimal literal (`1.50`, `.5`, `12345678901234567890`): its value and type, the
/// type being just what its digits need, as Spark types literals (`0.01` is DECIMAL(2,2)). None
/// when it needs more than 38 digits.
pub fn literal(text: &str) -> Option<(i128, DecimalType)> {
    let number = Number::read(text.as_bytes())?;
    if number.exponent != 0 {
        return None;
    }
    let scale = number.fraction.len();
    let significant = number.significant_digits();
    let precision = significant.max(scale).max(1);
    if precision > usize::from(MAX_PRECISION) {
        return None;
    }
    let t = DecimalType::new(precision as u8, scale as i8);
    Some((number.value(t)?, t))
}

/// `parse` of text already trimmed.
fn parse_digits(text: &[u8], to: DecimalType) -> Option<i128> {
    Number::read(text)?.value(to)
}

/// A number in Java's BigDecimal text form: sign, the digits before and after the point, and
/// the exponent written after them.
struct Number<'a> {
    negative: bool,
    integer: &'a [u8],
    fraction: &'a [u8],
    exponent: i32,
}

impl<'a> Number<'a> {
    fn read(text: &'a [u8]) -> Option<Number<'a>> {
        let (negative, rest) = match text.first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let mantissa_end = rest
            .iter()
            .position(|b| matches!(b, b'e' | b'E'))
            .unwrap_or(rest.len());
        let (mantissa, exponent_text) = rest.split_at(mantissa_end);
        let (integer, fraction) = match mantissa.iter().position(|b| *b == b'.') {
            Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        if integer.is_empty() && fraction.is_empty()
            || !integer.iter().chain(fraction).all(u8::is_ascii_digit)
        {
            return None;
        }
        let exponent = match exponent_text.get(1..) {
            None => 0,
            Some(e) => {
                let digits = e
                    .strip_prefix(b"+")
                    .or_else(|| e.strip_prefix(b"-"))
                    .unwrap_or(e);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                // Java takes an int exponent; a larger one is not a number.
                std::str::from_utf8(e).ok()?.parse::<i32>().ok()?
            }
        };
        Some(Number {
            negative,
            integer,
            fraction,
            exponent,
        })
    }

    /// The number of digits of the unscaled value (leading zeros not counted).
    fn significant_digits(&self) -> usize {
        let all = self.integer.iter().chain(self.fraction);
        let leading = all.clone().take_while(|b| **b == b'0').count();
        self.integer.len() + self.fraction.len() - leading
    }

    /// The value as a decimal of `to`, rounded HALF_UP; None when it does not fit.
    fn value(&self, to: DecimalType) -> Option<i128> {
        // The last written digit stands at 10^shift in the unscaled result.
        let shift = i64::from(self.exponent) - self.fraction.len() as i64 + i64::from(to.scale);
        let count = (self.integer.len() + self.fraction.len()) as i64;
        let mut value: i128 = 0;
        let mut round_up = false;
        for (i, digit) in self.integer.iter().chain(self.fraction).enumerate() {
            let power = count - 1 - i as i64 + shift;
            let digit = i128::from(digit - b'0');
            if power >= 0 {
                // Past 38 digits it cannot fit; checked arithmetic says so.
                value = value.checked_mul(10)?.checked_add(digit)?;
            } else {
                round_up = power == -1 && digit >= 5;
                break;
            }
        }
        if shift > 0 && value != 0 {
            let up = u32::try_from(shift).ok().filter(|n| *n <= 38)?;
            value = value.checked_mul(pow10(up))?;
        }
        if round_up {
            value += 1;
        }
        let value = if self.negative { -value } else { value };
        fits(value, to.precision).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: u8, s: i8) -> DecimalType {
        DecimalType::new(p, s)
    }

    #[test]
    fn result_types_as_spark() {
        use DecimalOp::*;
        assert_eq!(result_type(Add, t(2, 1), t(2, 1)), t(3, 1));
        assert_eq!(result_type(Add, t(38, 18), t(38, 0)), t(38, 6));
        assert_eq!(result_type(Multiply, t(38, 18), t(38, 18)), t(38, 6));
        assert_eq!(result_type(Multiply, t(3, 2), t(1, 0)), t(5, 2));
        assert_eq!(result_type(Divide, t(1, 0), t(2, 1)), t(8, 6));
        assert_eq!(result_type(Divide, t(20, 8), t(1, 0)), t(22, 10));
        assert_eq!(result_type(Divide, t(25, 1), t(20, 0)), t(38, 14));
        assert_eq!(result_type(Remainder, t(2, 1), t(1, 0)), t(2, 1));
        assert_eq!(t(10, 0).wider(t(5, 2)), t(12, 2));
        assert_eq!(DecimalType::for_integer_value(2147483648), t(10, 0));
        assert_eq!(DecimalType::for_integer_value(0), t(1, 0));
    }

    #[test]
    fn text_as_java_big_decimal() {
        assert_eq!(text(1, 8), "1E-8");
        assert_eq!(text(0, 8), "0E-8");
        assert_eq!(text(10, 8), "1.0E-7");
        assert_eq!(text(-12, 8), "-1.2E-7");
        assert_eq!(text(-1000, 10), "-1.000E-7");
        assert_eq!(text(10, 6), "0.000010");
        assert_eq!(text(150, 2), "1.50");
        assert_eq!(text(-5, 1), "-0.5");
        assert_eq!(text(12, -2), "1.2E+3");
        assert_eq!(text(42, 0), "42");
    }

    #[test]
    fn parse_as_java_big_decimal_then_half_up() {
        assert_eq!(parse("1.005", t(6, 2)), Some(101));
        assert_eq!(parse("-1.005", t(6, 2)), Some(-101));
        assert_eq!(parse("  -12.345e1  ", t(10, 3)), Some(-123450));
        assert_eq!(parse("1e3", t(10, 2)), Some(100000));
        assert_eq!(parse("1.", t(4, 1)), Some(10));
        assert_eq!(parse("+.5", t(4, 1)), Some(5));
        assert_eq!(parse("1e400", t(4, 1)), None);
        assert_eq!(parse("1e-400", t(4, 1)), Some(0));
        assert_eq!(parse("1,5", t(4, 1)), None);
        assert_eq!(parse("Infinity", t(4, 1)), None);
        assert_eq!(parse(".", t(4, 1)), None);
        assert_eq!(parse("1e", t(4, 1)), None);
        assert_eq!(parse("12345.6", t(4, 1)), None);
        assert_eq!(parse("9.99", t(2, 1)), None);
        assert_eq!(parse("9.94", t(2, 1)), Some(99));
        assert_eq!(
            parse("0.000000000000000000000000000000000000000000001", t(4, 1)),
            Some(0)
        );
        assert_eq!(literal("0.01"), Some((1, t(2, 2))));
        assert_eq!(literal("100.0"), Some((1000, t(4, 1))));
        assert_eq!(literal(".5"), Some((5, t(1, 1))));
        assert_eq!(
            literal("12345678901234567890"),
            Some((12345678901234567890, t(20, 0)))
        );
        assert_eq!(literal("123456789012345678901234567890123456789"), None);
    }

    /// Any operands (up to 38 digits, any scale) and any text: an answer or None, never a panic.
    #[test]
    fn no_panic_on_arbitrary_operands_and_text() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let ops = [
            DecimalOp::Add,
            DecimalOp::Subtract,
            DecimalOp::Multiply,
            DecimalOp::Divide,
            DecimalOp::Remainder,
        ];
        for _ in 0..200_000 {
            let digits = (next() % 39) as u32;
            let value = |n: u64| (i128::from(n) * i128::from(n >> 7)) % pow10(digits.max(1));
            let (a, b) = (value(next()), value(next()) - pow10(digits.max(1)) / 2);
            let scale = (next() % 39) as i8;
            let p1 = (next() % 38 + 1) as u8;
            let p2 = (next() % 38 + 1) as u8;
            let (t1, t2) = (
                t(p1, scale.min(p1 as i8)),
                t(p2, (next() % u64::from(p2)) as i8),
            );
            for op in ops {
                let result = result_type(op, t1, t2);
                let operand = operand_type(op, t1, t2);
                assert!(result.scale as u8 <= result.precision && result.precision <= 38);
                if let Some(v) = apply(op, a, b, operand.scale, result) {
                    assert!(fits(v, result.precision), "{op:?} {a} {b}");
                }
            }
            let _ = rescale(a, scale, t2);
            let _ = integral_divide(a, b);
            let _ = to_f64(a, scale);
            let _ = text(a, scale);
            let _ = from_f64(f64::from_bits(next()), t1);
        }
        let alphabet = b"0123456789.eE+-  ,x";
        for _ in 0..100_000 {
            let len = (next() % 12) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                .collect();
            let _ = parse(&text, t(10, 3));
            let _ = literal(&text);
        }
    }

    #[test]
    fn arithmetic_as_spark() {
        use DecimalOp::*;
        // 2 / 3.0 at DECIMAL(8,6)
        assert_eq!(apply(Divide, 20, 30, 1, t(8, 6)), Some(666667));
        assert_eq!(apply(Divide, 1, 0, 0, t(8, 6)), None);
        assert_eq!(apply(Divide, -20, 30, 1, t(8, 6)), Some(-666667));
        // 1.15 * 7 = 8.05 at DECIMAL(5,2)
        assert_eq!(apply(Multiply, 115, 700, 2, t(5, 2)), Some(805));
        assert_eq!(apply(Remainder, -75, 20, 1, t(2, 1)), Some(-15));
        assert_eq!(apply(Add, 1, 2, 1, t(2, 1)), Some(3));
        assert_eq!(apply(Add, 99, 1, 0, t(2, 0)), None);
        // Two roundings: 10^37 / (8 * 10^37 + 1) = 0.12499...9984375 rounds to 0.125 at 38
        // digits, then to 0.13; one rounding would give 0.12.
        let (a, b) = (10i128.pow(37), 8 * 10i128.pow(37) + 1);
        assert_eq!(apply(Divide, a, b, 0, t(10, 2)), Some(13));
        assert_eq!(apply(Divide, a, b + 10i128.pow(36), 0, t(10, 2)), Some(12));
        assert_eq!(rescale(125, 3, t(3, 2)), Some(13));
        assert_eq!(rescale(-125, 3, t(3, 2)), Some(-13));
        assert_eq!(rescale(5, 0, t(3, 2)), Some(500));
        assert_eq!(rescale(5, 0, t(2, 2)), None);
        assert_eq!(to_f64(3, 1), 0.3);
        assert_eq!(to_f64(1, 30), 1e-30);
        assert_eq!(from_f64(1.005, t(6, 2)), Some(101));
        assert_eq!(from_f64(f64::NAN, t(6, 2)), None);
        assert_eq!(to_i64(-199, 2), -1);
        assert_eq!(to_i64(1_250_000_000_005, 1), 125_000_000_000);
        assert_eq!(to_i64(123_456_789_012_345, 4), 12_345_678_901);
    }
}
