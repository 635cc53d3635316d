//! Splitting CSV lines that hold no quote character: such a line's fields are exactly the bytes
//! between delimiters, so no CSV state machine is needed. Most CSV data is such lines; both the
//! inference scan and the batch reader split them here and hand the rest to csv's reader.

/// Push the (start, end) of every field of `line` (fields end at `delimiter`), offset by `base`;
/// false, with some bounds pushed, as soon as the line holds a `quote` or a carriage return,
/// which only the full CSV parser reads right. An empty line pushes nothing. On x86_64, 16 bytes
/// are compared at once (SSE2, which every x86_64 CPU has) and the delimiters found through the
/// comparison's bit mask: a CSV line is mostly short fields, and a byte-at-a-time loop was a
/// quarter of a group-by's time.
#[inline]
pub fn split_fields(
    line: &[u8],
    [delimiter, quote]: [u8; 2],
    base: u32,
    bounds: &mut Vec<(u32, u32)>,
) -> bool {
    if line.is_empty() {
        return true;
    }
    let mut from = 0usize;
    let mut position = 0usize;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, and every load reads 16 bytes that lie
        // inside `line` (position + 16 <= line.len()); `loadu` needs no alignment.
        unsafe {
            let delimiters = _mm_set1_epi8(delimiter as i8);
            let quotes = _mm_set1_epi8(quote as i8);
            let returns = _mm_set1_epi8(b'\r' as i8);
            while position + 16 <= line.len() {
                let chunk = _mm_loadu_si128(line.as_ptr().add(position) as *const __m128i);
                let special = _mm_or_si128(
                    _mm_cmpeq_epi8(chunk, quotes),
                    _mm_cmpeq_epi8(chunk, returns),
                );
                if _mm_movemask_epi8(special) != 0 {
                    return false;
                }
                let mut mask = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, delimiters)) as u32;
                while mask != 0 {
                    let at = position + mask.trailing_zeros() as usize;
                    bounds.push((base + from as u32, base + at as u32));
                    from = at + 1;
                    mask &= mask - 1;
                }
                position += 16;
            }
        }
    }
    for (offset, &byte) in line[position..].iter().enumerate() {
        if byte == delimiter {
            let at = position + offset;
            bounds.push((base + from as u32, base + at as u32));
            from = at + 1;
        } else if byte == quote || byte == b'\r' {
            return false;
        }
    }
    bounds.push((base + from as u32, base + line.len() as u32));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_at_every_delimiter() {
        let lines: [&[u8]; 7] = [
            b"",
            b",",
            b"a",
            b"1,2020-08-28 17:44:15,2020-08-28 18:03:52,1,6.0,1,N,211,141,1,20.5,0.5,0.5,3.27,0.0,",
            b",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
            b"0123456789abcdef,0123456789abcdef",
            b"0123456789abcde,0123456789abcdef0",
        ];
        for line in lines {
            for delimiter in [b',', b'a', b'\t'] {
                let mut bounds = Vec::new();
                assert!(split_fields(line, [delimiter, b'"'], 7, &mut bounds));
                let fields: Vec<&[u8]> = bounds
                    .iter()
                    .map(|&(s, e)| &line[s as usize - 7..e as usize - 7])
                    .collect();
                let expected: Vec<&[u8]> = if line.is_empty() {
                    Vec::new()
                } else {
                    line.split(|&b| b == delimiter).collect()
                };
                assert_eq!(fields, expected);
            }
        }
    }

    #[test]
    fn quotes_and_carriage_returns_need_the_parser() {
        let long = b"0123456789,abcdef0123456789abcdef";
        for at in 0..long.len() {
            for special in [b'"', b'\r', b'\''] {
                let mut line = long.to_vec();
                line[at] = special;
                let mut bounds = Vec::new();
                let plain = split_fields(&line, [b',', b'\''], 0, &mut bounds);
                assert_eq!(plain, special == b'"', "{special} at {at}");
            }
        }
    }
}
