//! Text output: colours on terminals, human durations and counts, JSON to standard output.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Local, Utc};
use promptline_core::RunStatus;
use serde::Serialize;

/// Whether standard output is a terminal that wants colour (`NO_COLOR` unset).
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Whether standard error is a terminal (for progress bars and hints).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A status word padded to a column, coloured when `color` is set: green success, red error,
/// yellow timeout, grey cancelled, magenta interrupted, cyan running.
pub fn status_cell(status: RunStatus, color: bool) -> String {
    let word = format!("{:<11}", status.as_str());
    if !color {
        return word;
    }
    let code = match status {
        RunStatus::Success => "32",
        RunStatus::Error => "31",
        RunStatus::Timeout => "33",
        RunStatus::Cancelled => "90",
        RunStatus::Interrupted => "35",
        RunStatus::Running => "36",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// Milliseconds for people: `312 ms`, `1.24 s`, `2 min 5 s`; `-` when unknown.
pub fn duration_ms(ms: Option<i64>) -> String {
    match ms {
        None => "-".into(),
        // Whole milliseconds: 0 is a run that took less than one (the app says the same).
        Some(ms) if ms < 1 => "<1 ms".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) if ms < 60_000 => format!("{:.2} s", ms as f64 / 1000.0),
        Some(ms) => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// An integer with thousands separators (`1,234`); `-` when unknown.
pub fn count(n: Option<i64>) -> String {
    let Some(n) = n else { return "-".into() };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with its noun, singular for one (`1 run`, `0 runs`, `1,234 runs`).
pub fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", count(Some(n)), if n == 1 { one } else { many })
}

/// US dollars with enough digits to be honest for small amounts: at least two decimals and at
/// least two significant digits (`$0.00042`, `$0.0028`, `$0.75`, `$1,234.50`); `—` when unknown.
pub fn usd(amount: Option<f64>) -> String {
    let Some(amount) = amount.filter(|a| a.is_finite()) else {
        return "—".into();
    };
    let magnitude = amount.abs();
    let decimals = if magnitude == 0.0 || magnitude >= 0.1 {
        2
    } else {
        ((-magnitude.log10()).floor() as usize + 2).clamp(2, 10)
    };
    let text = format!("{magnitude:.decimals$}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    // Zeros after the second decimal say nothing.
    let fraction = fraction.trim_end_matches('0');
    let fraction = format!("{fraction:0<2}");
    let whole = count(whole.parse::<i64>().ok());
    let sign = if amount < 0.0 { "-" } else { "" };
    format!("{sign}${whole}.{fraction}")
}

/// A UTC time shown in the local time zone.
pub fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Writes a value as pretty JSON plus a newline to standard output.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humane_numbers() {
        assert_eq!(count(Some(1234567)), "1,234,567");
        assert_eq!(count(Some(12)), "12");
        assert_eq!(duration_ms(Some(312)), "312 ms");
        assert_eq!(duration_ms(Some(1240)), "1.24 s");
        assert_eq!(duration_ms(Some(125_000)), "2 min 5 s");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(usd(Some(0.00042)), "$0.00042");
        assert_eq!(usd(Some(0.0028)), "$0.0028");
        assert_eq!(usd(Some(0.045)), "$0.045");
        assert_eq!(usd(Some(0.75)), "$0.75");
        assert_eq!(usd(Some(0.1234)), "$0.12");
        assert_eq!(usd(Some(0.0)), "$0.00");
        assert_eq!(usd(Some(1234.5)), "$1,234.50");
        assert_eq!(usd(Some(0.000_000_123_4)), "$0.00000012");
        assert_eq!(usd(None), "—");
    }
}
