//! Writes a synthetic Standard Safeguarding Dataset extract (no real person in it), for the
//! import benchmark (`bench/import-ssd.sh`): `ssd_extract DIR CHILDREN`.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(children)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: ssd_extract DIR CHILDREN");
    };
    let children: u32 = children.parse()?;
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let size = familygraph_adapter_liquidlogic::ssd::synthetic::write_extract(&dir, children)?;
    println!(
        "{} children, {} rows, {} bytes in {}",
        size.children,
        size.rows,
        size.bytes,
        dir.display()
    );
    Ok(())
}
