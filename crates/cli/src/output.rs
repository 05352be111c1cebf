//! Results on stdout: an aligned table for people, `--json` (the API's own shape: one array
//! or object) and `--jsonl` (one object a line) for scripts.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::Failure;

#[derive(Debug, Clone, Copy, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct Format {
    /// Print the API's JSON: an array for lists, an object otherwise.
    #[arg(long, global = true, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON object a line.
    #[arg(long, global = true)]
    pub jsonl: bool,
}

/// How one kind of item shows as a table row.
pub struct Columns<T> {
    pub headers: &'static [&'static str],
    pub row: fn(&T) -> Vec<String>,
}

impl Format {
    /// A list: every item.
    pub fn list<T: Serialize>(
        &self,
        out: &mut impl Write,
        items: &[T],
        columns: &Columns<T>,
    ) -> Result<(), Failure> {
        if self.json {
            return json_line(out, &items);
        }
        if self.jsonl {
            return items.iter().try_for_each(|i| json_line(out, i));
        }
        let rows: Vec<Vec<String>> = items.iter().map(columns.row).collect();
        table(out, columns.headers, &rows).map_err(Failure::output)
    }

    /// One item: an object, or a one-row table.
    pub fn one<T: Serialize>(
        &self,
        out: &mut impl Write,
        item: &T,
        columns: &Columns<T>,
    ) -> Result<(), Failure> {
        if self.json || self.jsonl {
            return json_line(out, item);
        }
        table(out, columns.headers, &[(columns.row)(item)]).map_err(Failure::output)
    }

    /// What was done, when there is nothing to show: a line for people, nothing for scripts.
    pub fn done(&self, out: &mut impl Write, line: &str) -> Result<(), Failure> {
        if self.json || self.jsonl {
            return Ok(());
        }
        writeln!(out, "{line}").map_err(Failure::output)
    }
}

/// A yes/no cell; `-` when the API left it out.
pub fn yes_no(b: Option<bool>) -> String {
    match b {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "-".into(),
    }
}

fn json_line<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, value)
        .map_err(|e| Failure::Local(format!("writing JSON: {e}")))?;
    writeln!(out).map_err(Failure::output)
}

/// Columns separated by two spaces, each as wide as its widest cell (the last unpadded).
fn table(out: &mut impl Write, headers: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["org_1".to_string(), "acme".to_string(), "Acme".to_string()],
            vec!["org_22".to_string(), "b".to_string(), String::new()],
        ];
        table(&mut out, &["ID", "NAME", "DISPLAY NAME"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID      NAME  DISPLAY NAME\norg_1   acme  Acme\norg_22  b\n"
        );
    }
}
