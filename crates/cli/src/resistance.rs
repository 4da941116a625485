//! `preclin resistance` (placeholder while the command is written).

use clap::Args;

/// Arguments of `preclin resistance`.
#[derive(Debug, Args)]
pub struct ResistanceArgs {}

/// Runs `preclin resistance`.
pub fn run(_args: ResistanceArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
