//! The memory table of docs/memory.md, generated from `core::mem::size_of`
//! so that it cannot drift: this test fails when the committed table differs
//! from the types; run it with `UPDATE_DOCS=1` to rewrite the table.
use harness::train::SHARDS;
use std::mem::size_of;

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// (model, chunk, parameters, kernel workspace per chunk) for each model at its defaults.
fn rows() -> Vec<(&'static str, usize, usize, usize)> {
    use harness::{autoencoder, vae};
    vec![
        (
            "autoencoder 784-30-784",
            autoencoder::CHUNK,
            size_of::<kernel::autoencoder::Autoencoder<784, 30>>(),
            size_of::<autoencoder::Work<30>>(),
        ),
        (
            "VAE, appendix 784-400-200-40 / 40-400-784",
            vae::CHUNK,
            size_of::<vae::AppendixParams>(),
            size_of::<vae::AppendixWork>(),
        ),
        (
            "VAE, ELBO 784-400-20-400-784",
            vae::STANDARD_CHUNK,
            size_of::<kernel::vae::GaussianVae<784, 400, 20, 400>>(),
            size_of::<vae::StandardWork<20>>(),
        ),
    ]
}

fn table() -> String {
    let mut s = String::from(
        "| model | parameters | Adam state (m, v) | gradient | kernel workspace (chunk of N images, incl. inputs) | harness per step, 2 threads |\n|---|---|---|---|---|---|\n",
    );
    for (name, chunk, params, work) in rows() {
        // The harness keeps one gradient per shard and one workspace per thread.
        let harness = SHARDS * params + 2 * work;
        s += &format!(
            "| {name} | {} | {} | {} | {} (N = {chunk}) | {} |\n",
            kib(params),
            kib(2 * params),
            kib(params),
            kib(work),
            kib(harness)
        );
    }
    s
}

#[test]
fn memory_table_in_docs_matches_the_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/memory.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    let (begin, end) = ("<!-- memory-table:begin -->\n", "<!-- memory-table:end -->");
    let generated = table();
    let current = doc.split(begin).nth(1).and_then(|r| r.split(end).next()).unwrap_or("");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let (head, tail) = match (doc.find(begin), doc.find(end)) {
            (Some(a), Some(b)) => (doc[..a].to_string(), doc[b + end.len()..].to_string()),
            _ => (doc.clone(), String::new()),
        };
        std::fs::write(path, format!("{head}{begin}{generated}{end}{tail}")).unwrap();
        return;
    }
    assert_eq!(
        current, generated,
        "docs/memory.md is stale: run `UPDATE_DOCS=1 cargo test --release -p harness --test memory_table`"
    );
}
