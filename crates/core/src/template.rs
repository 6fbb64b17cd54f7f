//! `{{variable}}` templates: finding the variables and rendering them.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// The distinct variable names in a template, in order of first appearance.
///
/// A variable is `{{name}}` with optional spaces inside the braces; names are letters, digits,
/// `_`, `-` and `.`. Anything else between braces is left as text.
pub fn variables(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in placeholders(template) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// Replaces every `{{name}}` with its value. A variable without a value is an error that names it,
/// so nothing is sent with a hole in it.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (range, name) in placeholders(template) {
        let value = values.get(name).ok_or_else(|| Error::MissingVariable {
            name: name.to_owned(),
        })?;
        out.push_str(&template[last..range.start]);
        out.push_str(value);
        last = range.end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

/// Parses `KEY=VALUE` pairs as given on a command line.
pub fn parse_assignments<S: AsRef<str>>(pairs: &[S]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let pair = pair.as_ref();
            match pair.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => {
                    Ok((key.trim().to_owned(), value.to_owned()))
                }
                _ => Err(Error::invalid(format!(
                    "`{pair}` is not KEY=VALUE: write e.g. --var topic=rust"
                ))),
            }
        })
        .collect()
}

fn placeholders(template: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while let Some(open) = template[pos..].find("{{").map(|i| pos + i) {
            let Some(close) = template[open + 2..].find("}}").map(|i| open + 2 + i) else {
                pos = template.len();
                return None;
            };
            let name = template[open + 2..close].trim();
            if is_name(name) {
                pos = close + 2;
                return Some((open..close + 2, name));
            }
            pos = open + 2;
        }
        None
    })
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn finds_distinct_variables_in_order() {
        assert_eq!(
            variables("{{b}} {{ a }} {{b}} {{not a var!}} {x}"),
            ["b", "a"]
        );
    }

    #[test]
    fn renders_values_and_keeps_other_braces() {
        let out = render(
            "Hi {{ name }}, {{name}}! {\"json\": 1} {{}}",
            &vals(&[("name", "Ada")]),
        )
        .unwrap();
        assert_eq!(out, "Hi Ada, Ada! {\"json\": 1} {{}}");
    }

    #[test]
    fn values_are_not_rendered_again() {
        assert_eq!(render("{{a}}", &vals(&[("a", "{{b}}")])).unwrap(), "{{b}}");
    }

    #[test]
    fn missing_variable_is_named() {
        let err = render("{{topic}} in {{lang}}", &vals(&[("topic", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing value for variable `{{lang}}`: pass --var lang=VALUE"
        );
    }

    #[test]
    fn assignments_split_at_the_first_equals() {
        let parsed = parse_assignments(&["q=a=b", "empty="]).unwrap();
        assert_eq!(parsed, vals(&[("q", "a=b"), ("empty", "")]));
        assert!(parse_assignments(&["novalue"]).is_err());
        // A pair needs a name before its `=`.
        for nameless in ["=x", "  =x"] {
            let err = parse_assignments(&[nameless]).unwrap_err().to_string();
            assert!(err.contains("is not KEY=VALUE"), "{nameless}: {err}");
        }
    }
}
