//! Provenance of a run: tool version, input hashes, options.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// preclin's version, as written into every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Provenance record of one command.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Provenance {
    /// `preclin <version>`.
    pub tool: String,
    /// The command line (arguments after the program name).
    pub command: String,
    /// (path, sha256) of every input.
    pub inputs: Vec<(String, String)>,
    /// Options as key = value.
    pub options: Vec<(String, String)>,
}

impl Provenance {
    /// A record for the current process.
    pub fn new(inputs: Vec<(String, String)>, options: Vec<(String, String)>) -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Provenance {
            tool: format!("preclin {VERSION}"),
            command: args.join(" "),
            inputs,
            options,
        }
    }

    /// As `# `-prefixed comment lines for the top of a CSV file.
    pub fn comment_lines(&self) -> Vec<String> {
        let mut v = vec![format!("# {}: {}", self.tool, self.command)];
        for (p, h) in &self.inputs {
            v.push(format!("# input {p} sha256={h}"));
        }
        if !self.options.is_empty() {
            let o: Vec<String> = self
                .options
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            v.push(format!("# options {}", o.join(" ")));
        }
        v
    }
}
