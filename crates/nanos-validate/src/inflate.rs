//! Reading entry data: streaming, capped inflation with CRC and size checks.

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

/// Streams an entry's data through `sink`, checking that it inflates to exactly its declared size
/// with the declared CRC. Never produces more than the declared size.
async fn stream_entry<S: ByteSource + ?Sized>(
    source: &S,
    entry: &Entry,
    limit: u64,
    mut sink: impl FnMut(&[u8]),
) -> Result<(), EntryError> {
    let header = archive::read_local_header(source, entry, limit).await?;
    let declared = entry.uncompressed_size;
    let mut crc = crc32fast::Hasher::new();
    let mut produced: u64 = 0;
    let mut offset = header.data_offset;
    let end = header.data_offset + entry.compressed_size;

    if entry.method == 0 {
        if entry.compressed_size != declared {
            return Err(EntryError::Corrupt(format!(
                "A stored entry must have equal sizes, but declares {} and {declared} bytes.",
                entry.compressed_size
            )));
        }
        while offset < end {
            let len = (end - offset).min(CHUNK) as usize;
            let chunk = source.read_at(offset, len).await.map_err(EntryError::Io)?;
            crc.update(&chunk);
            sink(&chunk);
            offset += len as u64;
        }
        produced = declared;
    } else {
        let mut inflater = Decompress::new(false);
        let mut output = vec![0u8; OUTPUT];
        let mut finished = false;
        while !finished {
            let len = (end - offset).min(CHUNK) as usize;
            let chunk = if len > 0 {
                source.read_at(offset, len).await.map_err(EntryError::Io)?
            } else {
                Vec::new()
            };
            offset += len as u64;
            let last_chunk = offset >= end;
            let mut input = chunk.as_slice();
            loop {
                let before_in = inflater.total_in();
                let before_out = inflater.total_out();
                let flush = if last_chunk {
                    FlushDecompress::Finish
                } else {
                    FlushDecompress::None
                };
                let status = inflater
                    .decompress(input, &mut output, flush)
                    .map_err(|e| {
                        EntryError::Corrupt(format!("The data does not inflate ({e})."))
                    })?;
                let consumed = (inflater.total_in() - before_in) as usize;
                let written = (inflater.total_out() - before_out) as usize;
                input = &input[consumed..];
                produced += written as u64;
                if produced > declared {
                    return Err(EntryError::Bomb { declared });
                }
                crc.update(&output[..written]);
                sink(&output[..written]);
                match status {
                    Status::StreamEnd => {
                        finished = true;
                        break;
                    }
                    _ if input.is_empty() && written < output.len() => break,
                    _ if consumed == 0 && written == 0 => {
                        if last_chunk {
                            return Err(EntryError::Corrupt(
                                "The compressed data ends before the entry is complete.".into(),
                            ));
                        }
                        break;
                    }
                    _ => {}
                }
            }
            if last_chunk && !finished {
                return Err(EntryError::Corrupt(
                    "The compressed data ends before the entry is complete.".into(),
                ));
            }
        }
    }
    if produced != declared {
        return Err(EntryError::Corrupt(format!(
            "The entry unpacks to {produced} bytes but declares {declared}."
        )));
    }
    let actual = crc.finalize();
    if actual != entry.crc32 {
        return Err(EntryError::Corrupt(format!(
            "The CRC of the unpacked data is {actual:08x}, not the recorded {:08x}.",
            entry.crc32
        )));
    }
    Ok(())
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
    stream_entry(source, entry, limit, |chunk| bytes.extend_from_slice(chunk)).await?;
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
            stream_entry(source, entry, limits[index], |_| {}).await
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
