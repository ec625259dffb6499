//! Reading a CSV export: refuse what is not CSV, sniff the encoding and the delimiter, and hand
//! back a streaming reader that decodes to UTF-8 as it goes.

use crate::error::{Error, Result};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The text encoding.
    pub encoding: &'static Encoding,
    /// Whether it starts with a byte-order mark.
    pub bom: bool,
    /// The field delimiter.
    pub delimiter: u8,
}

impl Format {
    /// The encoding's name as reported to the user (`UTF-8`, `UTF-8 BOM`, `windows-1252`, …).
    pub fn encoding_name(&self) -> String {
        if self.bom && self.encoding == UTF_8 {
            "UTF-8 BOM".into()
        } else {
            self.encoding.name().into()
        }
    }
}

const SAMPLE: usize = 64 * 1024;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn bad(path: &Path, message: &str) -> Error {
    Error::invalid(path.display().to_string(), message)
}

/// Looks at the start of the file and decides how to read it.
pub fn sniff(path: &Path) -> Result<Format> {
    let mut head = Vec::with_capacity(SAMPLE);
    File::open(path)
        .map_err(io(path))?
        .take(SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(io(path))?;
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad(
            path,
            "the file is empty; export the records from your CRM again",
        ));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Err(bad(
            path,
            "this is an Excel workbook, not a CSV file; open it in Excel and save it as CSV UTF-8",
        ));
    }
    let (encoding, bom) = match Encoding::for_bom(&head) {
        Some((enc, _)) => (enc, true),
        None if head.contains(&0) => match utf16_without_bom(&head) {
            Some(enc) => (enc, false),
            None => {
                return Err(bad(
                    path,
                    "this is not a text file (it holds binary data); export the records as CSV",
                ))
            }
        },
        None => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(&head, head.len() < SAMPLE);
            let valid_utf8 = match std::str::from_utf8(&head) {
                Ok(_) => true,
                // A multi-byte character cut by the sample's end is still UTF-8.
                Err(e) => e.error_len().is_none(),
            };
            let enc = if valid_utf8 {
                UTF_8
            } else {
                det.guess(None, chardetng::Utf8Detection::Deny)
            };
            (enc, false)
        }
    };
    let text = if encoding == UTF_16LE || encoding == UTF_16BE {
        encoding.decode(&head).0.into_owned()
    } else {
        encoding.decode_without_bom_handling(&head).0.into_owned()
    };
    if text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count()
        > text.len() / 20
    {
        return Err(bad(
            path,
            "this is not a text file (it holds binary data); export the records as CSV",
        ));
    }
    Ok(Format {
        encoding,
        bom,
        delimiter: sniff_delimiter(&text),
    })
}

/// UTF-16 saved without a byte-order mark (some Windows tools do): text in the Latin range has
/// a zero byte in every other position, odd ones for little-endian, even ones for big-endian.
fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |offset: usize| {
        head.iter()
            .skip(offset)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let mostly = |n: usize| n * 10 >= pairs * 6;
    let rarely = |n: usize| n * 20 <= pairs;
    match (mostly(odd) && rarely(even), mostly(even) && rarely(odd)) {
        (true, _) => Some(UTF_16LE),
        (_, true) => Some(UTF_16BE),
        _ => None,
    }
}

/// Picks the delimiter among `, ; \t |` that splits the first lines most consistently.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize, false);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        let consistent = counts.iter().all(|c| *c == first);
        let better = match (consistent, best.2) {
            (true, false) => first > 0,
            (false, true) => false,
            _ => first > best.1,
        };
        if better {
            best = (d, first, consistent);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|b| {
            if *b == b'"' {
                quoted = !quoted;
            }
            !quoted && *b == d
        })
        .count()
}

/// Watches the raw bytes a reader pulls from the file: how far it got (for progress) and
/// their SHA-256 (to record which file an import read).
#[derive(Clone, Default)]
pub struct Tap {
    bytes: Arc<AtomicU64>,
    hash: Arc<Mutex<Sha256>>,
    quotes: Arc<AtomicU64>,
}

impl Tap {
    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Quote characters in the decoded text so far: an odd count at the end means a quoted cell
    /// was never closed.
    pub fn quotes(&self) -> u64 {
        self.quotes.load(Ordering::Relaxed)
    }

    /// The SHA-256 of everything read, as hex.
    pub fn sha256(&self) -> String {
        let digest = self
            .hash
            .lock()
            .map(|h| h.clone().finalize())
            .unwrap_or_default();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

struct Tapped<R> {
    inner: R,
    tap: Tap,
}

impl<R: Read> Read for Tapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tap.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if let Ok(mut h) = self.tap.hash.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Counts `"` in decoded UTF-8 (where that byte is never part of another character).
struct QuoteCount<R> {
    inner: R,
    quotes: Arc<AtomicU64>,
}

impl<R: Read> Read for QuoteCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let q = buf[..n].iter().filter(|b| **b == b'"').count() as u64;
        self.quotes.fetch_add(q, Ordering::Relaxed);
        Ok(n)
    }
}

/// A CSV reader over the file that decodes to UTF-8 while streaming.
pub fn reader(path: &Path, format: &Format) -> Result<csv::Reader<Box<dyn Read + Send>>> {
    tapped_reader(path, format, None)
}

/// [`reader`], with the raw bytes reported to `tap`.
pub fn tapped_reader(
    path: &Path,
    format: &Format,
    tap: Option<&Tap>,
) -> Result<csv::Reader<Box<dyn Read + Send>>> {
    let file = File::open(path).map_err(io(path))?;
    let raw: Box<dyn Read + Send> = match tap {
        Some(tap) => Box::new(Tapped {
            inner: file,
            tap: tap.clone(),
        }),
        None => Box::new(file),
    };
    let file = BufReader::with_capacity(256 * 1024, raw);
    let decoded: Box<dyn Read + Send> = if format.encoding == UTF_8 {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .build(file),
        )
    } else {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(format.encoding))
                .bom_override(true)
                .strip_bom(true)
                .build(file),
        )
    };
    let decoded: Box<dyn Read + Send> = match tap {
        Some(tap) => Box::new(QuoteCount {
            inner: decoded,
            quotes: tap.quotes.clone(),
        }),
        None => decoded,
    };
    Ok(csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(decoded))
}

/// The SHA-256 of a whole file, as hex, read in chunks (the same digest an import records).
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut hash = Sha256::new();
    std::io::copy(&mut file, &mut hash).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("a;b;c\n1;\"x, y\";3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a,b,c\n1,\"x; y\",3\n"), b',');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
    }
}
