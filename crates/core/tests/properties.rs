//! Hostile input by the thousand: property tests (proptest) of the SSE parser, the search, the
//! template renderer and the JSONL import, each against a plain model of what it should do.

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;

use promptline_core::providers::sse::{SseEvent, SseParser};
use promptline_core::{template, RunFilter, RunStatus, Store};
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ---- SSE --------------------------------------------------------------------------------------

/// Events as a well-behaved server writes them, and the stream's text with the given line ends.
fn event_strategy() -> impl Strategy<Value = (Option<String>, Vec<String>, Option<String>)> {
    let text = "[a-zA-Z0-9 {}\":,.é漢🙂-]{0,12}";
    (
        proptest::option::of("[a-z_]{1,8}"),
        proptest::collection::vec(text, 1..4),
        proptest::option::of("[a-z0-9]{1,6}"),
    )
}

fn serialize(events: &[(Option<String>, Vec<String>, Option<String>)], ends: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // One line end per event: a CR line end followed by a LF one would read as one CRLF.
    let mut n;
    let end = |out: &mut Vec<u8>, n: &mut usize| {
        let e: &[u8] = match ends[*n % ends.len()] % 3 {
            0 => b"\n",
            1 => b"\r\n",
            _ => b"\r",
        };
        out.extend_from_slice(e);
    };
    for (i, (name, data, id)) in events.iter().enumerate() {
        n = i;
        if i % 5 == 4 {
            out.extend_from_slice(b": a comment");
            end(&mut out, &mut n);
        }
        if let Some(name) = name {
            out.extend_from_slice(format!("event: {name}").as_bytes());
            end(&mut out, &mut n);
        }
        for line in data {
            out.extend_from_slice(format!("data: {line}").as_bytes());
            end(&mut out, &mut n);
        }
        if let Some(id) = id {
            out.extend_from_slice(format!("id:{id}").as_bytes());
            end(&mut out, &mut n);
        }
        end(&mut out, &mut n);
    }
    out
}

fn parse_in_chunks(bytes: &[u8], cuts: &[usize]) -> (Vec<SseEvent>, bool) {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut from = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        parser.push(&bytes[from..cut], &mut events);
        from = cut;
    }
    let cut_off = parser.finish();
    (events, cut_off)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_split_of_a_valid_stream_gives_the_same_events(
        events in proptest::collection::vec(event_strategy(), 0..8),
        ends in proptest::collection::vec(any::<u8>(), 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let bytes = serialize(&events, &ends);
        let (whole, whole_cut) = parse_in_chunks(&bytes, &[]);
        let (split, split_cut) = parse_in_chunks(&bytes, &cuts);
        prop_assert_eq!(&split, &whole);
        prop_assert_eq!(split_cut, whole_cut);
        // And they are the events that were written.
        prop_assert_eq!(whole.len(), events.len());
        for (parsed, (name, data, id)) in whole.iter().zip(&events) {
            prop_assert_eq!(&parsed.event, name.as_deref().unwrap_or("message"));
            prop_assert_eq!(&parsed.data, &data.join("\n"));
            prop_assert_eq!(&parsed.id, id);
        }
    }

    #[test]
    fn byte_soup_gives_events_or_nothing_and_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let (whole, _) = parse_in_chunks(&bytes, &[]);
        let (split, _) = parse_in_chunks(&bytes, &cuts);
        prop_assert_eq!(split, whole);
    }
}

// ---- Templates --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rendering_fills_every_variable_or_names_the_missing_one(
        template in "([a-z {}.é_-]|\\{\\{ ?[a-z_]{1,4} ?\\}\\}){0,20}",
        drop_one in any::<prop::sample::Index>(),
    ) {
        let names = template::variables(&template);
        let values: BTreeMap<String, String> =
            names.iter().map(|n| (n.clone(), format!("<{n}>"))).collect();
        let rendered = template::render(&template, &values).unwrap();
        for name in &names {
            let filled = format!("<{}>", name);
            prop_assert!(rendered.contains(&filled));
        }
        prop_assert!(template::variables(&rendered).is_empty() || rendered.contains("{{"));
        if !names.is_empty() {
            let missing = &names[drop_one.index(names.len())];
            let mut fewer = values.clone();
            fewer.remove(missing);
            let error = template::render(&template, &fewer).unwrap_err();
            prop_assert!(error.to_string().contains(missing.as_str()), "{}", error);
        }
    }
}

// ---- Search -----------------------------------------------------------------------------------

const VOCABULARY: [&str; 12] = [
    "pelican", "pelicans", "rust", "borrow", "checker", "and", "near", "or", "not", "café",
    "naïve", "keyset",
];

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace(['é', 'è'], "e").replace('ï', "i"))
        .collect()
}

/// What a literal search should find: every word of the query in the run's text, the last one
/// as a prefix; a query of only separators (`*`, `(`) finds nothing, a blank one everything.
fn plain_scan(texts: &[(String, String)], query: &str) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..texts.len()).collect(); // no search at all
    }
    let wanted = words_of(query);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (i, (prompt, response)) in texts.iter().enumerate() {
        let have: Vec<String> = words_of(&format!("{prompt} {response}"));
        let (last, rest) = wanted.split_last().unwrap();
        if rest.iter().all(|w| have.contains(w))
            && have.iter().any(|h| h.starts_with(last.as_str()))
        {
            hits.push(i);
        }
    }
    hits
}

fn text_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(VOCABULARY.to_vec()), 0..6)
        .prop_map(|w| w.join(" "))
}

fn query_strategy() -> impl Strategy<Value = String> {
    let noise = prop::sample::select(vec![
        "\"", "*", "-", "AND", "OR", "NOT", "NEAR(", ")", "(", ":", "^", "'", " ", "  ", "{", "}",
        "NEAR/2", "pel*", "+",
    ]);
    let word = prop::sample::select(VOCABULARY.to_vec()).prop_map(|w| {
        let mut w = w.to_owned();
        if w.len() > 3 && w.is_ascii() {
            w.truncate(w.len() - 1);
        }
        w
    });
    proptest::collection::vec(
        prop_oneof![3 => word.prop_map(|w| format!(" {w} ")), 1 => noise.prop_map(str::to_owned)],
        1..6,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn search_is_literal_and_finds_exactly_what_a_plain_scan_finds(
        texts in proptest::collection::vec((text_strategy(), text_strategy()), 1..12),
        queries in proptest::collection::vec(query_strategy(), 1..6),
        unicode in "\\PC{0,24}",
    ) {
        runtime().block_on(async {
            let store = Store::open_in_memory().await.unwrap();
            let mut ids = Vec::new();
            for (i, (prompt, response)) in texts.iter().enumerate() {
                let mut run = common::new_run(None, i as i64, "m", RunStatus::Success, response);
                run.prompt_text = prompt.clone();
                ids.push(store.insert_run(&run).await.unwrap().summary.id);
            }
            for query in queries.iter().chain([&unicode]) {
                let filter = RunFilter { query: Some(query.clone()), ..RunFilter::default() };
                let page = store.runs_page(&filter, None, 100).await;
                prop_assert!(page.is_ok(), "{:?}: {:?}", query, page.err());
                if query == &unicode && !unicode.is_ascii() {
                    continue; // only "never an error": the oracle knows ASCII and a few accents
                }
                let mut found: Vec<usize> = page.unwrap().items.iter()
                    .map(|r| ids.iter().position(|id| *id == r.id).unwrap())
                    .collect();
                found.sort_unstable();
                prop_assert_eq!(found, plain_scan(&texts, query), "query {:?}", query);
            }
            Ok(())
        })?;
    }
}

// ---- JSONL import -----------------------------------------------------------------------------

fn valid_jsonl() -> String {
    (0..6)
        .map(|i| {
            serde_json::json!({
                "id": format!("run-{i}"),
                "prompt_id": if i % 2 == 0 { serde_json::Value::Null } else { "p-1".into() },
                "prompt_text": format!("prompt {i} with \"quotes\" and ünïcode"),
                "response": format!("response {i}\nline two"),
                "model": "gpt-4o-mini",
                "tokens_used": 10 + i,
                "execution_time_ms": 100 * i,
                "status": if i == 3 { "error" } else { "success" },
                "error_message": if i == 3 { "boom".into() } else { serde_json::Value::Null },
                "created_at": format!("2026-03-0{}T10:00:00.123456Z", i + 1),
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Replace { at: usize, byte: u8 },
    Truncate { at: usize },
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..6))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Insert { at, bytes: new } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Replace { at, byte } => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *byte;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(at % n),
        }
    }
    bytes
}

/// Everything the history holds, as one comparable value.
async fn snapshot(store: &Store) -> Vec<String> {
    use futures_util::StreamExt;
    let mut rows: Vec<String> = store
        .stream_runs(&RunFilter::default())
        .map(|r| serde_json::to_string(&r.unwrap()).unwrap())
        .collect()
        .await;
    for p in store.list_prompts(None, 1000).await.unwrap() {
        rows.push(serde_json::to_string(&p).unwrap());
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_mutated_import_either_imports_or_names_its_line_and_changes_nothing(
        mutations in proptest::collection::vec(mutation_strategy(), 1..4),
    ) {
        runtime().block_on(async {
            let store = Store::open_in_memory().await.unwrap();
            // Something already in the history, which a bad import must leave as it is.
            store.insert_run(&common::new_run(None, 1, "m", RunStatus::Success, "kept")).await.unwrap();
            let before = snapshot(&store).await;
            let bytes = mutate(valid_jsonl().into_bytes(), &mutations);
            let result = store.import_jsonl("mutated.jsonl", Cursor::new(bytes), &mut |_| {}).await;
            match result {
                Ok(_) => {}
                Err(error) => {
                    let message = error.to_string();
                    prop_assert!(message.starts_with("mutated.jsonl"), "{}", message);
                    prop_assert!(message.contains("line ") || message.contains("UTF-8"), "{}", message);
                    prop_assert_eq!(snapshot(&store).await, before);
                }
            }
            Ok(())
        })?;
    }
}
