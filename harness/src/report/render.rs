//! A tiny document model rendered twice: to Markdown (`REPORT.md`, which
//! code hosts render) and to one self-contained HTML file (`report.html`:
//! SVG inline, PNG as data URIs, no network).

use crate::plot::base64;
use std::path::Path;

/// One block of the report.
#[derive(Clone, Debug)]
pub enum Block {
    /// A heading of level 1–3 with its anchor id.
    Heading(u8, String, String),
    /// A paragraph (plain text; `code` in backticks is kept as code).
    Para(String),
    /// A table: header and rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A figure file under the output folder, with its caption.
    Figure(String, String),
    /// Preformatted text.
    Pre(String),
    /// A bulleted list.
    List(Vec<String>),
}

/// Markdown for the blocks.
#[must_use]
pub fn markdown(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text, id) => s += &format!("<a id=\"{id}\"></a>\n{} {text}\n\n", "#".repeat(*level as usize)),
            Block::Para(t) => s += &format!("{t}\n\n"),
            Block::Table(head, rows) => {
                s += &format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
                for r in rows {
                    s += &format!("| {} |\n", r.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "));
                }
                s += "\n";
            }
            Block::Figure(path, caption) => s += &format!("![{caption}]({path})\n\n*{caption}*\n\n"),
            Block::Pre(t) => s += &format!("```text\n{t}\n```\n\n"),
            Block::List(items) => {
                for i in items {
                    s += &format!("- {i}\n");
                }
                s += "\n";
            }
        }
    }
    s
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Inline formatting for HTML: `code` spans and [text](#anchor) links.
fn inline(t: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(t).split('`').enumerate() {
        if i % 2 == 1 {
            out += &format!("<code>{part}</code>");
        } else {
            out += &bold(&links(part));
        }
    }
    out
}

/// `**text**` as <strong>text</strong> (left as it is when the markers do not pair up).
fn bold(t: &str) -> String {
    let parts: Vec<&str> = t.split("**").collect();
    if parts.len() % 2 != 1 {
        return t.to_string();
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out += &format!("<strong>{p}</strong>");
        } else {
            out += p;
        }
    }
    out
}

fn links(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](") else { break };
        let Some(close) = rest[open + mid..].find(')') else { break };
        let text = &rest[open + 1..open + mid];
        let href = &rest[open + mid + 2..open + mid + close];
        out += &rest[..open];
        out += &format!("<a href=\"{href}\">{text}</a>");
        rest = &rest[open + mid + close + 1..];
    }
    out + rest
}

/// One self-contained HTML page for the blocks; figures are read from `dir`.
#[must_use]
pub fn html(blocks: &[Block], title: &str, dir: &Path) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;line-height:1.45}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:.25em .6em;text-align:left}}\
         th{{background:#f0f0f0}}pre{{background:#f6f6f6;padding:.8em;overflow-x:auto}}figure{{margin:1.5em 0}}\
         figure img,figure svg{{max-width:100%;height:auto}}figcaption{{font-style:italic}}code{{background:#f3f3f3}}\
         </style></head><body>\n",
        escape(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, text, id) => s += &format!("<h{level} id=\"{id}\">{}</h{level}>\n", inline(text)),
            Block::Para(t) => s += &format!("<p>{}</p>\n", inline(t)),
            Block::Table(head, rows) => {
                s += "<table><tr>";
                for h in head {
                    s += &format!("<th>{}</th>", inline(h));
                }
                s += "</tr>\n";
                for r in rows {
                    s += "<tr>";
                    for c in r {
                        s += &format!("<td>{}</td>", inline(c));
                    }
                    s += "</tr>\n";
                }
                s += "</table>\n";
            }
            Block::Figure(path, caption) => {
                let body = match std::fs::read(dir.join(path)) {
                    Ok(bytes) if path.ends_with(".svg") => {
                        let text = String::from_utf8_lossy(&bytes).to_string();
                        match text.find("<svg") {
                            Some(i) => text[i..].to_string(),
                            None => format!("<p>(unreadable figure {})</p>", escape(path)),
                        }
                    }
                    Ok(bytes) => format!("<img alt=\"{}\" src=\"data:image/png;base64,{}\">", escape(caption), base64(&bytes)),
                    Err(_) => format!("<p>(missing figure {})</p>", escape(path)),
                };
                s += &format!("<figure>{body}<figcaption>{}</figcaption></figure>\n", inline(caption));
            }
            Block::Pre(t) => s += &format!("<pre>{}</pre>\n", escape(t)),
            Block::List(items) => {
                s += "<ul>";
                for i in items {
                    s += &format!("<li>{}</li>", inline(i));
                }
                s += "</ul>\n";
            }
        }
    }
    s + "</body></html>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_code_render() {
        assert_eq!(
            inline("see [E4](#errata) and `x<y`"),
            "see <a href=\"#errata\">E4</a> and <code>x&lt;y</code>"
        );
        let md = markdown(&[Block::Table(vec!["a".into()], vec![vec!["x|y".into()]])]);
        assert!(md.contains("x\\|y"));
    }

    #[test]
    fn bold_renders_in_pairs_only() {
        assert_eq!(inline("**-inf** ✗"), "<strong>-inf</strong> ✗");
        assert_eq!(inline("a ** b"), "a ** b");
        assert_eq!(inline("`**x**` **y**"), "<code>**x**</code> <strong>y</strong>");
    }
}
