//! A local OTLP/HTTP traces receiver for the export benchmark (bench/otlp.sh): the tests' receiver
//! (tests/otlp), decoding every request with opentelemetry-proto and counting the spans it accepts.
//!
//! `cargo run --release -p promptline-core --example otlp_receiver -- EXPECTED_SPANS` prints its
//! traces URL on the first line, then, once EXPECTED_SPANS were accepted, `received N spans` and
//! exits.

#[path = "../tests/otlp/mod.rs"]
mod otlp;

use std::io::Write;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let expected: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("usage: otlp_receiver EXPECTED_SPANS");
    let receiver = otlp::Receiver::start().await;
    // Decode every request, but keep none: a backfill of 100,000 runs would otherwise be held.
    receiver.keep_requests(false);
    println!("{}", receiver.url);
    let _ = std::io::stdout().flush();
    while receiver.accepted_count() < expected {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("received {} spans", receiver.accepted_count());
}
