//! The time key: `seq`, the integer that orders the history.
//!
//! A run's key is its time in microseconds × [`SLOTS`] plus a slot for runs recorded in the same
//! microsecond, so `key >> 10` is the run's time and sorting by key sorts by time. Every structure
//! keyed by `seq` (the `runs` table, `run_texts`, the search index) is therefore in time order, and
//! newest first is a walk from the end of any of them.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::error::{Error, Result};

/// Keys per microsecond. A power of two, so the time is `key >> 10`.
pub const SLOTS: i64 = 1024;

/// The first key of microsecond `micros`, or an error when the time is beyond what keys can hold
/// (before about the year 1685 or after 2255).
pub fn first_key(micros: i64) -> Result<i64> {
    micros
        .checked_mul(SLOTS)
        .filter(|key| key.checked_add(SLOTS).is_some())
        .ok_or_else(|| {
            Error::invalid("the time is out of range: runs must be dated between 1700 and 2250")
        })
}

/// [`first_key`] clamped to the key range, for filter bounds.
pub fn first_key_saturating(micros: i64) -> i64 {
    micros.saturating_mul(SLOTS)
}

/// The time, in microseconds, of a key.
pub fn micros_of(key: i64) -> i64 {
    key >> 10
}

/// Hands out free keys to runs about to be inserted. Use inside a write transaction (the lock
/// keeps the keys free until the insert), and a fresh one per batch: it remembers the keys it gave.
#[derive(Debug, Default)]
pub(crate) struct KeyAllocator {
    /// The next free key of each microsecond looked at.
    next: HashMap<i64, i64>,
}

impl KeyAllocator {
    /// Looks up the next free key of each of these microseconds in one query, so that
    /// [`KeyAllocator::allocate`] needs none for them.
    pub async fn prefetch(&mut self, conn: &mut SqliteConnection, micros: &[i64]) -> Result<()> {
        let mut wanted: Vec<i64> = micros
            .iter()
            .copied()
            .filter(|us| !self.next.contains_key(us))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut firsts = Vec::with_capacity(wanted.len());
        for us in &wanted {
            firsts.push(first_key(*us)?);
        }
        let mut query = QueryBuilder::<Sqlite>::new("WITH wanted (first) AS (");
        query.push_values(&firsts, |mut row, first| {
            row.push_bind(*first);
        });
        query.push(
            ") SELECT first, (SELECT max(seq) FROM runs WHERE seq >= first AND seq < first + ",
        );
        query.push(SLOTS.to_string()).push(") FROM wanted");
        let rows: Vec<(i64, Option<i64>)> = query.build_query_as().fetch_all(&mut *conn).await?;
        for (first, last_taken) in rows {
            self.next
                .insert(micros_of(first), last_taken.map_or(first, |k| k + 1));
        }
        Ok(())
    }

    /// A free key for a run recorded at `micros`: the slot after the last run of that microsecond.
    /// When all [`SLOTS`] are taken (only a hand-made import could do that), the first free key of
    /// a later microsecond: the run's time moves by as many microseconds, so a key always tells
    /// its run's time.
    pub async fn allocate(&mut self, conn: &mut SqliteConnection, micros: i64) -> Result<i64> {
        let mut us = micros;
        loop {
            if !self.next.contains_key(&us) {
                self.prefetch(conn, &[us]).await?;
            }
            let next = self.next[&us];
            if next < first_key(us)? + SLOTS {
                self.next.insert(us, next + 1);
                return Ok(next);
            }
            us += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_times_and_give_the_time_back() {
        let earlier = first_key(1_700_000_000_000_000).unwrap();
        let later = first_key(1_700_000_000_000_001).unwrap();
        assert!(earlier + SLOTS - 1 < later);
        assert_eq!(micros_of(earlier + SLOTS - 1), 1_700_000_000_000_000);
        assert_eq!(micros_of(first_key(-5).unwrap() + 3), -5);
        assert!(first_key(i64::MAX / 1000).is_err());
    }
}
