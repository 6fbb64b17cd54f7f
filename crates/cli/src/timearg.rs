//! Times given on the command line: RFC 3339, a local date, or a span ago (`30m`, `12h`, `7d`, `2w`).

use chrono::{DateTime, Duration, Local, NaiveDate, TimeZone, Utc};

/// Parses a `--since`/`--until` value.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    parse_at(text, Utc::now())
}

fn parse_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        return Local
            .from_local_datetime(&midnight)
            .earliest()
            .map(|time| time.with_timezone(&Utc))
            .ok_or_else(|| format!("`{text}` has no local midnight"));
    }
    if let Some(span) = parse_span(text) {
        return Ok(now - span);
    }
    Err(format!(
        "`{text}` is not a time: use RFC 3339 (2026-11-01T09:30:00Z), a local date (2026-11-01) or a span ago (30m, 12h, 7d, 2w)"
    ))
}

fn parse_span(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().ok()?;
    match unit {
        "s" => Some(Duration::seconds(n)),
        "m" | "min" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "d" => Some(Duration::days(n)),
        "w" => Some(Duration::weeks(n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_dates_and_spans() {
        let now = parse_at("2026-11-24T12:00:00Z", Utc::now()).unwrap();
        assert_eq!(parse_at("7d", now).unwrap(), now - Duration::days(7));
        assert_eq!(parse_at("90m", now).unwrap(), now - Duration::minutes(90));
        assert!(parse_at("2026-11-01", now).is_ok());
        assert!(parse_at("yesterday", now).unwrap_err().contains("RFC 3339"));
    }
}
