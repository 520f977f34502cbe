//! Deadline propagation across processes: the time left on a context, and gRPC's
//! `grpc-timeout` header format (at most 8 ASCII digits followed by one unit letter:
//! `H` hours, `M` minutes, `S` seconds, `m` milliseconds, `u` microseconds, `n`
//! nanoseconds).
#![forbid(unsafe_code)]

use std::fmt;
use std::time::{Duration, Instant};

use super::{CancelFunc, Context};

/// The largest value gRPC allows: 8 digits.
const MAX_VALUE: u128 = 99_999_999;

/// Units from the finest to the coarsest, with their length in nanoseconds.
const UNITS: [(char, u128); 6] = [
    ('n', 1),
    ('u', 1_000),
    ('m', 1_000_000),
    ('S', 1_000_000_000),
    ('M', 60 * 1_000_000_000),
    ('H', 3_600 * 1_000_000_000),
];

/// Why a `grpc-timeout` value could not be decoded.
///
/// # Examples
///
/// ```
/// use gochan::context::{decode_grpc_timeout, WireError};
/// assert_eq!(decode_grpc_timeout("10x"), Err(WireError::UnknownUnit('x')));
/// assert_eq!(WireError::Empty.to_string(), "empty grpc-timeout value");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The value was empty.
    Empty,
    /// No digits before the unit (or no unit after the digits).
    MissingDigits,
    /// More than 8 digits (the count is given).
    TooManyDigits(usize),
    /// A character other than an ASCII digit where a digit was expected.
    InvalidDigit(char),
    /// The last character is not one of `H M S m u n`.
    UnknownUnit(char),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Empty => f.write_str("empty grpc-timeout value"),
            WireError::MissingDigits => f.write_str("grpc-timeout value has no digits"),
            WireError::TooManyDigits(n) => {
                write!(
                    f,
                    "grpc-timeout value has {n} digits, at most 8 are allowed"
                )
            }
            WireError::InvalidDigit(c) => write!(f, "invalid digit {c:?} in grpc-timeout value"),
            WireError::UnknownUnit(c) => write!(
                f,
                "unknown grpc-timeout unit {c:?} (expected one of H, M, S, m, u, n)"
            ),
        }
    }
}

impl std::error::Error for WireError {}

/// Encodes a timeout as a `grpc-timeout` value: the finest unit whose count fits in 8
/// digits, rounded up to a whole unit (as grpc-go does, so a positive time left never becomes
/// `0`; the error is at most one unit, under 0.001 % of the value).
///
/// A zero timeout is `"0n"`; a timeout beyond `99999999H` (about 11 400 years) is clamped to
/// it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::context::encode_grpc_timeout;
/// assert_eq!(encode_grpc_timeout(Duration::from_millis(1500)), "1500000u");
/// assert_eq!(encode_grpc_timeout(Duration::from_secs(200)), "200000m");
/// assert_eq!(encode_grpc_timeout(Duration::from_nanos(1)), "1n");
/// assert_eq!(encode_grpc_timeout(Duration::from_nanos(100_000_001)), "100001u"); // rounded up
/// assert_eq!(encode_grpc_timeout(Duration::ZERO), "0n");
/// ```
pub fn encode_grpc_timeout(timeout: Duration) -> String {
    let nanos = timeout.as_nanos();
    for (unit, len) in UNITS {
        let count = nanos.div_ceil(len);
        if count <= MAX_VALUE {
            return format!("{count}{unit}");
        }
    }
    format!("{MAX_VALUE}H")
}

/// Decodes a `grpc-timeout` value: 1 to 8 ASCII digits and a unit (`H M S m u n`), nothing
/// else (no sign, no spaces).
///
/// # Errors
///
/// A [`WireError`] naming what is wrong.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::context::{decode_grpc_timeout, WireError};
/// assert_eq!(decode_grpc_timeout("250m"), Ok(Duration::from_millis(250)));
/// assert_eq!(decode_grpc_timeout("2H"), Ok(Duration::from_secs(7200)));
/// assert_eq!(decode_grpc_timeout("123456789S"), Err(WireError::TooManyDigits(9)));
/// assert_eq!(decode_grpc_timeout("m"), Err(WireError::MissingDigits));
/// ```
pub fn decode_grpc_timeout(value: &str) -> Result<Duration, WireError> {
    let unit = value.chars().next_back().ok_or(WireError::Empty)?;
    let digits = &value[..value.len() - unit.len_utf8()];
    let len = match UNITS.iter().find(|(u, _)| *u == unit) {
        Some((_, len)) => *len,
        None if unit.is_ascii_digit() => return Err(WireError::MissingDigits),
        None => return Err(WireError::UnknownUnit(unit)),
    };
    if digits.is_empty() {
        return Err(WireError::MissingDigits);
    }
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(WireError::InvalidDigit(c));
    }
    if digits.len() > 8 {
        return Err(WireError::TooManyDigits(digits.len()));
    }
    let count: u128 = digits.bytes().fold(0, |n, b| n * 10 + u128::from(b - b'0'));
    let nanos = count * len;
    // At most 99999999 hours, well within `Duration`.
    Ok(Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    ))
}

impl Context {
    /// The time left before this context's deadline (zero once it has passed), or `None`
    /// without a deadline. Encode it with [`encode_grpc_timeout`] to pass the deadline on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::context::Context;
    /// assert_eq!(Context::background().remaining(), None);
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(60));
    /// let left = ctx.remaining().unwrap();
    /// assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(1));
    /// ```
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline()
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// A child whose deadline is now plus a `grpc-timeout` value received from a peer
    /// ([`with_timeout`](Context::with_timeout) of [`decode_grpc_timeout`]); as always, the
    /// deadline can only shrink.
    ///
    /// # Errors
    ///
    /// A [`WireError`] if the value is malformed; no context is created then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::context::Context;
    /// let (ctx, _cancel) = Context::background().with_wire_timeout("30S").unwrap();
    /// assert!(ctx.remaining().unwrap() <= Duration::from_secs(30));
    /// assert!(Context::background().with_wire_timeout("30 seconds").is_err());
    /// ```
    pub fn with_wire_timeout(&self, value: &str) -> Result<(Context, CancelFunc), WireError> {
        decode_grpc_timeout(value).map(|t| self.with_timeout(t))
    }
}
