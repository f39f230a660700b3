//! `familygraph`: serves the API (default), or migrates, seeds, prints the schema or a token.

fn main() -> anyhow::Result<()> {
    familygraph::entry::main()
}
