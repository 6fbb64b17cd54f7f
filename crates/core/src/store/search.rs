//! Full-text search input. User text is never passed to FTS5 as syntax: every word becomes a quoted
//! phrase (the last one a prefix, for search-as-you-type), so quotes, `*`, `-`, `AND`, `NEAR(` and
//! unbalanced parentheses are searched for literally and can never raise a syntax error.

/// The FTS5 query for what a user typed, or `None` when there is nothing to search for.
///
/// Words are ANDed: `rust async` finds runs that mention both.
pub fn fts_query(user_text: &str) -> Option<String> {
    // FTS5 reads its query as a C string: a NUL would end it inside a quote. Control characters
    // separate words like spaces do.
    let words: Vec<&str> = user_text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let (last, rest) = words.split_last()?;
    let mut query = String::with_capacity(user_text.len() + 4 * words.len());
    for word in rest {
        push_phrase(&mut query, word);
        query.push(' ');
    }
    push_phrase(&mut query, last);
    query.push('*');
    Some(query)
}

fn push_phrase(query: &mut String, word: &str) {
    query.push('"');
    query.push_str(&word.replace('"', "\"\""));
    query.push('"');
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn quotes_every_word_and_prefixes_the_last() {
        assert_eq!(
            fts_query("  rust \"async\" ").unwrap(),
            r#""rust" """async"""*"#
        );
        assert_eq!(fts_query("   "), None);
        assert_eq!(fts_query("a\u{0}b").unwrap(), r#""a" "b"*"#);
    }
}
