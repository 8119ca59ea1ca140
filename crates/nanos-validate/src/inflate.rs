//! Reading entry data: streaming, capped inflation with CRC and size checks.

use std::ops::ControlFlow;

use flate2::{Decompress, FlushDecompress, Status};

use super::archive::{self, ArchiveError, CentralDirectory, Entry};
use super::diagnostic::{Code, Diagnostic};
use super::source::ByteSource;

/// How much compressed data to read at a time.
const CHUNK: u64 = 256 * 1024;
/// Inflation output buffer.
const OUTPUT: usize = 256 * 1024;

/// Why an entry's data could not be read.
#[derive(Debug)]
pub enum EntryError {
    /// The local header or layout is wrong.
    Malformed(String),
    /// The data inflates past its declared size.
    Bomb { declared: u64 },
    /// The data is damaged: it does not inflate, ends early, or has the wrong size or CRC.
    Corrupt(String),
    /// The source could not be read.
    Io(std::io::Error),
}

impl EntryError {
    /// The diagnostic for this failure on `entry`.
    pub fn diagnostic(&self, entry: &Entry) -> Diagnostic {
        let name = entry.display_name();
        let path = Some(name.as_str());
        match self {
            EntryError::Malformed(m) => Diagnostic::new(Code::MalformedZip, path, m.clone()),
            EntryError::Bomb { declared } => Diagnostic::new(
                Code::ZipBomb,
                path,
                format!(
                    "This entry inflates past its declared size of {declared} bytes: the zip is \
                     crafted or damaged. Re-create it."
                ),
            ),
            EntryError::Corrupt(m) => Diagnostic::new(
                Code::CorruptEntry,
                path,
                format!("{m} The zip is damaged: create it again from the original files."),
            ),
            EntryError::Io(e) => Diagnostic::new(Code::CorruptEntry, path, e.to_string()),
        }
    }
}

impl From<ArchiveError> for EntryError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::Io(e) => EntryError::Io(e),
            other => EntryError::Malformed(other.to_string()),
        }
    }
}

/// An entry's data unpacked piece by piece as its compressed bytes come, with every check of
/// [`stream_entry`]: never more than the declared size, and at the end exactly the declared size
/// and CRC. For readers that pull the compressed bytes themselves (a download streamed to a
/// client); [`stream_entry`] is the same for a [`ByteSource`].
pub struct EntryInflater {
    /// `None` for a stored entry.
    inflater: Option<Decompress>,
    declared: u64,
    expected_crc: u32,
    crc: crc32fast::Hasher,
    produced: u64,
    finished: bool,
}

impl EntryInflater {
    /// The inflater of `entry`'s data (stored or deflated); `Corrupt` when a stored entry's sizes
    /// disagree.
    pub fn new(entry: &Entry) -> Result<EntryInflater, EntryError> {
        let declared = entry.uncompressed_size;
        if entry.method == 0 && entry.compressed_size != declared {
            return Err(EntryError::Corrupt(format!(
                "A stored entry must have equal sizes, but declares {} and {declared} bytes.",
                entry.compressed_size
            )));
        }
        Ok(EntryInflater {
            inflater: (entry.method != 0).then(|| Decompress::new(false)),
            declared,
            expected_crc: entry.crc32,
            crc: crc32fast::Hasher::new(),
            produced: 0,
            finished: entry.method == 0 && declared == 0,
        })
    }

    /// Unpacks the next compressed bytes, `last` when they end the entry's data, passing what they
    /// unpack to `sink` in pieces; stops early (`Ok`) when `sink` answers [`ControlFlow::Break`].
    pub fn feed(
        &mut self,
        input: &[u8],
        last: bool,
        mut sink: impl FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, EntryError> {
        let Some(inflater) = self.inflater.as_mut() else {
            self.produced += input.len() as u64;
            if self.produced > self.declared {
                return Err(EntryError::Bomb {
                    declared: self.declared,
                });
            }
            self.crc.update(input);
            self.finished = last;
            return Ok(sink(input));
        };
        let mut output = vec![0u8; OUTPUT];
        let mut input = input;
        loop {
            let before_in = inflater.total_in();
            let before_out = inflater.total_out();
            let flush = if last {
                FlushDecompress::Finish
            } else {
                FlushDecompress::None
            };
            let status = inflater
                .decompress(input, &mut output, flush)
                .map_err(|e| EntryError::Corrupt(format!("The data does not inflate ({e}).")))?;
            let consumed = (inflater.total_in() - before_in) as usize;
            let written = (inflater.total_out() - before_out) as usize;
            input = &input[consumed..];
            self.produced += written as u64;
            if self.produced > self.declared {
                return Err(EntryError::Bomb {
                    declared: self.declared,
                });
            }
            self.crc.update(&output[..written]);
            if sink(&output[..written]).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            match status {
                Status::StreamEnd => {
                    self.finished = true;
                    break;
                }
                _ if input.is_empty() && written < output.len() => break,
                _ if consumed == 0 && written == 0 => {
                    if last {
                        return Err(ended_early());
                    }
                    break;
                }
                _ => {}
            }
        }
        if last && !self.finished {
            return Err(ended_early());
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Checks, once all the data was fed, that it unpacked to exactly the declared size and CRC.
    pub fn finish(self) -> Result<(), EntryError> {
        let (produced, declared) = (self.produced, self.declared);
        if !self.finished && declared > 0 {
            return Err(ended_early());
        }
        if produced != declared {
            return Err(EntryError::Corrupt(format!(
                "The entry unpacks to {produced} bytes but declares {declared}."
            )));
        }
        let actual = self.crc.finalize();
        if actual != self.expected_crc {
            return Err(EntryError::Corrupt(format!(
                "The CRC of the unpacked data is {actual:08x}, not the recorded {:08x}.",
                self.expected_crc
            )));
        }
        Ok(())
    }
}

fn ended_early() -> EntryError {
    EntryError::Corrupt("The compressed data ends before the entry is complete.".into())
}

/// Streams an entry's data through `sink`, checking that it inflates to exactly its declared size
/// with the declared CRC. Never produces more than the declared size. `limit` is where the entry's
/// data must end (see [`archive::data_limits`]). Reads only the entry's local header and data.
///
/// When `sink` answers [`ControlFlow::Break`], reading stops there, without the checks of the
/// whole entry's size and CRC (a reader that needed only a part).
pub async fn stream_entry<S: ByteSource + ?Sized>(
    source: &S,
    entry: &Entry,
    limit: u64,
    mut sink: impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<(), EntryError> {
    let header = archive::read_local_header(source, entry, limit).await?;
    let mut inflater = EntryInflater::new(entry)?;
    let mut offset = header.data_offset;
    let end = header.data_offset + entry.compressed_size;
    loop {
        let len = (end - offset).min(CHUNK) as usize;
        let chunk = if len > 0 {
            source.read_at(offset, len).await.map_err(EntryError::Io)?
        } else {
            Vec::new()
        };
        offset += len as u64;
        let last = offset >= end;
        if inflater.feed(&chunk, last, &mut sink)?.is_break() {
            return Ok(());
        }
        if last {
            break;
        }
    }
    inflater.finish()
}

/// Reads a whole (small) entry into memory, never more than `cap` bytes.
pub async fn read_entry<S: ByteSource + ?Sized>(
    source: &S,
    entry: &Entry,
    limit: u64,
    cap: u64,
) -> Result<Vec<u8>, EntryError> {
    if entry.uncompressed_size > cap {
        return Err(EntryError::Bomb {
            declared: entry.uncompressed_size,
        });
    }
    let mut bytes = Vec::with_capacity(entry.uncompressed_size as usize);
    stream_entry(source, entry, limit, |chunk| {
        bytes.extend_from_slice(chunk);
        ControlFlow::Continue(())
    })
    .await?;
    Ok(bytes)
}

/// Full mode: checks every readable entry's local header and data.
pub async fn check_all<S: ByteSource + ?Sized>(
    source: &S,
    directory: &CentralDirectory,
    readable: &[bool],
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let limits = archive::data_limits(directory);
    for (index, entry) in directory.entries.iter().enumerate() {
        let result = if readable[index] {
            stream_entry(source, entry, limits[index], |_| ControlFlow::Continue(())).await
        } else {
            // Directories and refused entries: still check that the local header agrees.
            archive::read_local_header(source, entry, limits[index])
                .await
                .map(|_| ())
                .map_err(EntryError::from)
        };
        match result {
            Ok(()) => {}
            Err(EntryError::Io(e)) => return Err(e),
            Err(e) => {
                let diagnostic = e.diagnostic(entry);
                let stop = diagnostic.code == Code::MalformedZip;
                diagnostics.push(diagnostic);
                if stop {
                    break; // one structural problem is enough; the rest would repeat it
                }
            }
        }
    }
    Ok(())
}
