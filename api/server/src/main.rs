//! `familygraph`: serves the API (default), or migrates, seeds, prints the schema or a token.

/// The process's allocator. A request allocates and frees thousands of small values (parsed
/// documents, query conditions, rows decoded from JSON, response values) across the executor's
/// threads; glibc's allocator spent about 15 % of the server's CPU on them in the child-profile
/// benchmark (`docs/benchmarks.md`), mimalloc's thread-local free lists much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    familygraph::entry::main()
}
