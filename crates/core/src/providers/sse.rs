//! An incremental parser for server-sent events (the `text/event-stream` format every streaming
//! provider API uses), following the WHATWG rules: lines end with CRLF, LF or CR; `data:` lines
//! join with `\n`; a line starting with `:` is a comment; a blank line dispatches the event; an
//! event the stream cuts off before its blank line is dropped.
//!
//! Bytes go in as they arrive and only the current unfinished line is buffered, so memory stays
//! flat however long the stream runs.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name; `message` when the event had none.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` field, when the event had one.
    pub id: Option<String>,
}

/// Turns chunks of bytes into [`SseEvent`]s.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the line being read (never holds a complete line between calls).
    line: Vec<u8>,
    /// The previous chunk ended on CR: a LF at the start of the next one belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    id: Option<String>,
    /// Some field of an undispatched event has been seen.
    pending: bool,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the stream and appends every event they complete to `out`.
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) {
        // An empty chunk says nothing about whether a LF follows the CR.
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, tail) = chunk.split_at(end);
            let ends_on_cr = tail[0] == b'\r';
            chunk = &tail[1..];
            if ends_on_cr {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            if self.line.is_empty() {
                self.line_done(head, out);
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(head);
                self.line_done(&line, out);
                line.clear();
                self.line = line;
            }
        }
        self.line.extend_from_slice(chunk);
    }

    /// Ends the stream. Returns `true` when it stopped in the middle of an event (some of its
    /// lines arrived but not the blank line that completes it); that event is dropped.
    pub fn finish(&mut self) -> bool {
        let cut = self.pending || !self.line.is_empty();
        *self = Self::default();
        cut
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        self.pending = true;
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&value);
                self.has_data = true;
            }
            b"event" => self.event = value.into_owned(),
            b"id" if !value.contains('\0') => self.id = Some(value.into_owned()),
            // `retry` only matters to clients that reconnect; unknown fields are ignored.
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        self.pending = false;
        let event = std::mem::take(&mut self.event);
        let id = self.id.take();
        if !self.has_data {
            return;
        }
        self.has_data = false;
        out.push(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data: std::mem::take(&mut self.data),
            id,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(input: &[u8], piece: usize) -> (Vec<SseEvent>, bool) {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in input.chunks(piece.max(1)) {
            parser.push(chunk, &mut out);
        }
        let cut = parser.finish();
        (out, cut)
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn an_empty_chunk_between_cr_and_lf_keeps_them_one_line_end() {
        // Found by the property test: an empty chunk used to forget the CR before it.
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in [&b"data: a\r"[..], b"", b"\ndata: b\r\n\r\n"] {
            parser.push(chunk, &mut out);
        }
        assert_eq!(data(&out), ["a\nb"]);
    }

    #[test]
    fn lf_crlf_and_cr_line_ends_parse_alike_whatever_the_chunking() {
        for input in [
            &b"data: one\n\ndata: two\n\n"[..],
            &b"data: one\r\n\r\ndata: two\r\n\r\n"[..],
            &b"data: one\r\rdata: two\r\r"[..],
        ] {
            for piece in [1, 2, 3, 7, 100] {
                let (events, cut) = parse_in_pieces(input, piece);
                assert_eq!(data(&events), ["one", "two"], "{input:?} in {piece}s");
                assert!(!cut);
            }
        }
    }

    #[test]
    fn multi_line_data_joins_with_newlines() {
        let (events, _) = parse_in_pieces(b"data: first\ndata:second\ndata\ndata:  third\n\n", 4);
        assert_eq!(data(&events), ["first\nsecond\n\n third"]);
    }

    #[test]
    fn comments_are_skipped_and_dataless_events_are_not_dispatched() {
        let (events, cut) =
            parse_in_pieces(b": keep-alive\n\n:another\nevent: ping\n\ndata: x\n\n", 5);
        assert_eq!(data(&events), ["x"]);
        assert_eq!(events[0].event, "message");
        assert!(!cut);
    }

    #[test]
    fn event_names_and_ids_belong_to_their_event_only() {
        let input = b"event: message_start\nid: 7\ndata: {\"a\":1}\n\ndata: plain\n\n";
        let (events, _) = parse_in_pieces(input, 3);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, "message_start");
        assert_eq!(events[0].id.as_deref(), Some("7"));
        assert_eq!(events[0].data, "{\"a\":1}");
        assert_eq!(events[1].event, "message");
        assert_eq!(events[1].id, None);
    }

    #[test]
    fn a_stream_cut_mid_event_drops_it_and_says_so() {
        let (events, cut) = parse_in_pieces(b"data: whole\n\ndata: half", 4);
        assert_eq!(data(&events), ["whole"]);
        assert!(cut);
        let (events, cut) = parse_in_pieces(b"data: whole\n\nevent: x\ndata: line done\n", 4);
        assert_eq!(data(&events), ["whole"]);
        assert!(cut);
    }

    #[test]
    fn utf8_split_across_chunks_survives() {
        let input = "data: héllo wörld ✓\n\n".as_bytes();
        let (events, _) = parse_in_pieces(input, 1);
        assert_eq!(data(&events), ["héllo wörld ✓"]);
    }

    #[test]
    fn memory_stays_flat_over_a_long_stream() {
        // 10 MiB of events fed in 8 KiB reads: the parser only ever holds the unfinished line.
        let event = format!("data: {}\n\n", "x".repeat(1000));
        let stream = event.repeat(10 * 1024 * 1024 / event.len());
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let mut delivered = 0;
        for chunk in stream.as_bytes().chunks(8192) {
            parser.push(chunk, &mut out);
            delivered += out.drain(..).map(|e| e.data.len()).sum::<usize>();
            assert!(
                parser.line.capacity() <= 16 * 1024,
                "{}",
                parser.line.capacity()
            );
        }
        assert_eq!(delivered, stream.len() / event.len() * 1000);
        assert!(!parser.finish());
    }

    #[test]
    fn field_without_colon_and_unknown_fields() {
        let (events, _) = parse_in_pieces(b"retry: 100\nfoo: bar\ndata\n\n", 2);
        assert_eq!(data(&events), [""]);
    }
}
