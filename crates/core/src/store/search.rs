//! Full-text search input. User text is never passed to FTS5 as syntax: it is cut into words where
//! the index's tokenizer cuts text (unicode61: any ASCII character but a letter or digit, and
//! spaces and control characters beyond ASCII; its other separators, non-ASCII punctuation, stay
//! inside a phrase, which the tokenizer then cuts the same way), and every
//! word becomes a quoted phrase (the last one a prefix, for search-as-you-type), so quotes, `*`,
//! `-`, `AND`, `NEAR(` and unbalanced parentheses can never raise a syntax error, and punctuation
//! typed around a word (`borro )`, `pel*`) finds what the word finds.

/// The FTS5 query for what a user typed, or `None` when there is nothing to search for.
///
/// Words are ANDed: `rust async` finds runs that mention both.
pub fn fts_query(user_text: &str) -> Option<String> {
    // A NUL, which would end FTS5's C string inside a quote, is one of the separators.
    let separates = |c: char| {
        if c.is_ascii() {
            !c.is_ascii_alphanumeric()
        } else {
            c.is_whitespace() || c.is_control()
        }
    };
    let words: Vec<&str> = user_text
        .split(separates)
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
            r#""rust" "async"*"#
        );
        assert_eq!(fts_query("   "), None);
        assert_eq!(fts_query(" \" * ( - "), None);
        assert_eq!(fts_query("borro )").unwrap(), r#""borro"*"#);
        assert_eq!(fts_query("a\u{0}b").unwrap(), r#""a" "b"*"#);
    }
}
