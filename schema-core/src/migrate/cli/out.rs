//! Where the commands print: short coloured text on a terminal (`NO_COLOR` turns colour off),
//! or one JSON object per command with `--json`.

pub(super) const GREEN: &str = "32";
pub(super) const RED: &str = "31";
pub(super) const YELLOW: &str = "33";
pub(super) const BOLD: &str = "1";

/// Where the commands print: text (coloured on a terminal) or JSON.
pub(super) struct Out {
    pub(super) json: bool,
    pub(super) color: bool,
}

impl Out {
    pub(super) fn new(json: bool) -> Out {
        use std::io::IsTerminal;
        let color =
            !json && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        Out { json, color }
    }

    pub(super) fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A line of text (not in JSON mode).
    pub(super) fn line(&self, text: &str) {
        if !self.json {
            println!("{text}");
        }
    }

    /// A problem line, on stderr (not in JSON mode).
    pub(super) fn warn(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }

    /// The JSON object of a command (in JSON mode).
    pub(super) fn object(&self, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        }
    }

    pub(super) fn summary(&self, summary: &crate::migrate::Summary) -> String {
        let text = summary.to_string();
        if !self.color {
            return text;
        }
        text.split(", ")
            .map(|part| {
                if part.contains("DROPPED") {
                    self.paint(RED, part)
                } else if part.contains("created") || part.contains("added") {
                    self.paint(GREEN, part)
                } else {
                    self.paint(YELLOW, part)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
