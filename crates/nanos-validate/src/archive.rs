//! The zip container: end-of-central-directory records (plain and ZIP64), the central directory
//! and local headers, parsed from byte ranges with every length and offset checked.

use std::io;

use super::limits::Limits;
use super::source::ByteSource;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_HEADER_LEN: usize = 46;
const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
/// Fixed part of a local file header.
pub const LOCAL_HEADER_LEN: u64 = 30;
const MAX_COMMENT_LEN: u64 = u16::MAX as u64;
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// General-purpose flag: the entry is encrypted.
pub const FLAG_ENCRYPTED: u16 = 1;
/// General-purpose flag: sizes and CRC follow the data in a descriptor.
pub const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
/// General-purpose flag: the name is UTF-8.
pub const FLAG_UTF8: u16 = 1 << 11;

/// Why the container could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Not a zip at all (`not-a-zip`).
    #[error("{0}")]
    NotAZip(String),
    /// A zip whose structure is inconsistent (`malformed-zip`).
    #[error("{0}")]
    Malformed(String),
    /// More entries than allowed (`too-many-entries`); the directory is not read.
    #[error("the archive has {0} entries")]
    TooManyEntries(u64),
    /// The bytes could not be read.
    #[error("cannot read the archive: {0}")]
    Io(#[from] io::Error),
}

/// One central directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The raw name bytes.
    pub raw_name: Vec<u8>,
    /// The name, when it is valid UTF-8.
    pub name: Option<String>,
    pub made_by_host: u8,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
    pub external_attributes: u32,
}

impl Entry {
    /// Whether the name marks a directory.
    pub fn is_dir(&self) -> bool {
        self.raw_name.last() == Some(&b'/')
    }

    /// The name for messages (lossy when not UTF-8).
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| String::from_utf8_lossy(&self.raw_name).into_owned())
    }

    /// The Unix file type bits, when the entry was made on Unix and records them.
    pub fn unix_file_type(&self) -> Option<u32> {
        const UNIX: u8 = 3;
        const TYPE_MASK: u32 = 0o170000;
        let mode = self.external_attributes >> 16;
        (self.made_by_host == UNIX && mode & TYPE_MASK != 0).then_some(mode & TYPE_MASK)
    }

    /// The smallest number of bytes this entry occupies from its local header on (the local
    /// header's extra field can only add to it).
    pub fn min_extent(&self) -> u64 {
        LOCAL_HEADER_LEN
            .saturating_add(self.raw_name.len() as u64)
            .saturating_add(self.compressed_size)
    }
}

/// The archive's table of contents.
#[derive(Debug, Clone)]
pub struct CentralDirectory {
    pub entries: Vec<Entry>,
    /// Where the central directory starts; entry data must end before it.
    pub offset: u64,
}

/// A local header, read to locate an entry's data and compare it with the central directory.
#[derive(Debug, Clone)]
pub struct LocalHeader {
    /// Where the entry's data starts.
    pub data_offset: u64,
}

/// A little-endian cursor over a byte slice that fails instead of panicking.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }
}

fn malformed(message: impl Into<String>) -> ArchiveError {
    ArchiveError::Malformed(message.into())
}

/// Where the end-of-central-directory record says the central directory is.
struct DirectoryLocation {
    entries: u64,
    size: u64,
    offset: u64,
    /// Where the central directory must end: the (ZIP64) end record's position.
    expected_end: u64,
}

/// Finds and reads the end-of-central-directory record (and its ZIP64 counterpart).
async fn locate_directory<S: ByteSource + ?Sized>(
    source: &S,
) -> Result<DirectoryLocation, ArchiveError> {
    let size = source.size();
    if size == 0 {
        return Err(ArchiveError::NotAZip("The file is empty.".into()));
    }
    if size < EOCD_LEN {
        return Err(ArchiveError::NotAZip(format!(
            "The file has only {size} bytes: too short to be a zip archive."
        )));
    }
    let tail_len = size.min(EOCD_LEN + MAX_COMMENT_LEN + ZIP64_LOCATOR_LEN);
    let tail_start = size - tail_len;
    let tail = source.read_at(tail_start, tail_len as usize).await?;

    // Search backwards for the signature whose comment ends exactly at the end of the file.
    let mut found = None;
    let mut trailing = None;
    for i in (0..=tail.len() - EOCD_LEN as usize).rev() {
        let mut c = Cursor::new(&tail[i..]);
        if c.u32() != Some(EOCD_SIGNATURE) {
            continue;
        }
        let comment_len = u16::from_le_bytes([tail[i + 20], tail[i + 21]]) as usize;
        if i + EOCD_LEN as usize + comment_len == tail.len() {
            found = Some(i);
            break;
        }
        if i + EOCD_LEN as usize + comment_len < tail.len() && trailing.is_none() {
            trailing = Some(i);
        }
    }
    let Some(i) = found else {
        return Err(match trailing {
            Some(_) => malformed(
                "There are bytes after the end of the zip archive. Re-create the zip with a standard tool.",
            ),
            None => ArchiveError::NotAZip(
                "This is not a zip archive (no end-of-central-directory record): it may be another \
                 format, or a zip that was cut short during download or copy."
                    .into(),
            ),
        });
    };
    let eocd_pos = tail_start + i as u64;
    let mut c = Cursor::new(&tail[i + 4..]);
    let (disk, cd_disk) = (c.u16(), c.u16());
    let (entries_on_disk, entries) = (c.u16(), c.u16());
    let (cd_size, cd_offset) = (c.u32(), c.u32());
    let (
        Some(disk),
        Some(cd_disk),
        Some(entries_on_disk),
        Some(entries),
        Some(cd_size),
        Some(cd_offset),
    ) = (disk, cd_disk, entries_on_disk, entries, cd_size, cd_offset)
    else {
        return Err(malformed(
            "The end-of-central-directory record is truncated.",
        ));
    };
    if disk != 0 || cd_disk != 0 || entries_on_disk != entries {
        return Err(malformed(
            "This is a split (multi-part) zip archive. Create a single-file zip instead.",
        ));
    }

    let needs_zip64 = entries == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX;
    let locator_pos = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN);
    let locator = match locator_pos {
        Some(pos) if pos >= tail_start => {
            let at = (pos - tail_start) as usize;
            let mut c = Cursor::new(&tail[at..]);
            (c.u32() == Some(ZIP64_LOCATOR_SIGNATURE)).then(|| {
                let _disk = c.u32();
                c.u64()
            })
        }
        _ => None,
    };
    match locator.flatten() {
        Some(record_pos) => {
            let record_end = record_pos.checked_add(ZIP64_EOCD_LEN as u64);
            if record_end.is_none_or(|end| end > eocd_pos - ZIP64_LOCATOR_LEN) {
                return Err(malformed(
                    "The ZIP64 end record points outside the archive.",
                ));
            }
            let record = source.read_at(record_pos, ZIP64_EOCD_LEN).await?;
            let mut c = Cursor::new(&record);
            if c.u32() != Some(ZIP64_EOCD_SIGNATURE) {
                return Err(malformed("The ZIP64 end record is missing or damaged."));
            }
            // Record size (8), version made by (2), version needed (2), disk (4), directory disk (4).
            c.take(8 + 2 + 2 + 4 + 4);
            let (on_disk, total, size, offset) = (c.u64(), c.u64(), c.u64(), c.u64());
            match (on_disk, total, size, offset) {
                (Some(on_disk), Some(total), Some(size), Some(offset)) if on_disk == total => {
                    Ok(DirectoryLocation {
                        entries: total,
                        size,
                        offset,
                        expected_end: record_pos,
                    })
                }
                _ => Err(malformed("The ZIP64 end record is inconsistent.")),
            }
        }
        None if needs_zip64 => Err(malformed(
            "The archive needs a ZIP64 end record but has none.",
        )),
        None => Ok(DirectoryLocation {
            entries: entries.into(),
            size: cd_size.into(),
            offset: cd_offset.into(),
            expected_end: eocd_pos,
        }),
    }
}

/// Reads the central directory, refusing more than `limits.max_entries` entries before reading it.
pub async fn read_central_directory<S: ByteSource + ?Sized>(
    source: &S,
    limits: &Limits,
) -> Result<CentralDirectory, ArchiveError> {
    let location = locate_directory(source).await?;
    let end = location
        .offset
        .checked_add(location.size)
        .ok_or_else(|| malformed("The central directory's size is impossible."))?;
    if end > location.expected_end {
        return Err(malformed(
            "The central directory runs past the end of the archive: the zip is damaged.",
        ));
    }
    if end < location.expected_end {
        let extra = location.expected_end - end;
        return Err(malformed(format!(
            "There are {extra} bytes before the first entry (a self-extracting archive, or data \
             glued in front of the zip). Upload a plain zip archive."
        )));
    }
    if location.entries > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(location.entries));
    }
    if location.size < location.entries.saturating_mul(CENTRAL_HEADER_LEN as u64) {
        return Err(malformed(
            "The central directory is too small for the number of entries it claims.",
        ));
    }
    let size = usize::try_from(location.size)
        .map_err(|_| malformed("The central directory is too large."))?;
    let bytes = source.read_at(location.offset, size).await?;
    let mut c = Cursor::new(&bytes);
    // The count was checked against the limit and against the directory's size above.
    let mut entries = Vec::with_capacity(location.entries as usize);
    for index in 0..location.entries {
        let entry = parse_central_header(&mut c).ok_or_else(|| {
            malformed(format!(
                "Central directory record {} of {} is damaged.",
                index + 1,
                location.entries
            ))
        })?;
        entries.push(entry);
    }
    if c.at != bytes.len() {
        return Err(malformed(
            "The central directory holds more than the entries it declares.",
        ));
    }
    Ok(CentralDirectory {
        entries,
        offset: location.offset,
    })
}

fn parse_central_header(c: &mut Cursor<'_>) -> Option<Entry> {
    if c.u32()? != CENTRAL_HEADER_SIGNATURE {
        return None;
    }
    let made_by = c.u16()?;
    let _needed = c.u16()?;
    let flags = c.u16()?;
    let method = c.u16()?;
    let _time_and_date = c.u32()?;
    let crc32 = c.u32()?;
    let compressed32 = c.u32()?;
    let uncompressed32 = c.u32()?;
    let name_len = c.u16()? as usize;
    let extra_len = c.u16()? as usize;
    let comment_len = c.u16()? as usize;
    let _disk_start = c.u16()?;
    let _internal_attributes = c.u16()?;
    let external_attributes = c.u32()?;
    let offset32 = c.u32()?;
    let raw_name = c.take(name_len)?.to_vec();
    let extra = c.take(extra_len)?;
    c.take(comment_len)?;

    let mut compressed_size = u64::from(compressed32);
    let mut uncompressed_size = u64::from(uncompressed32);
    let mut local_header_offset = u64::from(offset32);
    // ZIP64 extended information replaces the fields that are all ones, in this order.
    let mut e = Cursor::new(extra);
    while let (Some(id), Some(len)) = (e.u16(), e.u16()) {
        let data = e.take(len as usize)?;
        if id == ZIP64_EXTRA_ID {
            let mut z = Cursor::new(data);
            if uncompressed32 == u32::MAX {
                uncompressed_size = z.u64()?;
            }
            if compressed32 == u32::MAX {
                compressed_size = z.u64()?;
            }
            if offset32 == u32::MAX {
                local_header_offset = z.u64()?;
            }
        }
    }
    let name = std::str::from_utf8(&raw_name).ok().map(str::to_string);
    Some(Entry {
        raw_name,
        name,
        made_by_host: (made_by >> 8) as u8,
        flags,
        method,
        crc32,
        compressed_size,
        uncompressed_size,
        local_header_offset,
        external_attributes,
    })
}

/// Checks that entries neither overlap each other nor the central directory, and that the first
/// starts at the beginning of the file. Uses each entry's smallest possible extent, so it needs no
/// reads.
pub fn check_layout(directory: &CentralDirectory) -> Result<(), ArchiveError> {
    let mut by_offset: Vec<&Entry> = directory.entries.iter().collect();
    by_offset.sort_by_key(|e| e.local_header_offset);
    if let Some(first) = by_offset.first() {
        if first.local_header_offset != 0 {
            return Err(malformed(format!(
                "There are {} bytes before the first entry (a self-extracting archive, or data \
                 glued in front of the zip). Upload a plain zip archive.",
                first.local_header_offset
            )));
        }
    }
    for pair in by_offset.windows(2) {
        let end = pair[0]
            .local_header_offset
            .saturating_add(pair[0].min_extent());
        if end > pair[1].local_header_offset {
            return Err(malformed(format!(
                "The entries {} and {} overlap: the archive reuses the same bytes for several \
                 files, a trick used by zip bombs.",
                pair[0].display_name(),
                pair[1].display_name()
            )));
        }
    }
    if let Some(last) = by_offset.last() {
        if last.local_header_offset.saturating_add(last.min_extent()) > directory.offset {
            return Err(malformed(format!(
                "The entry {} overlaps the central directory.",
                last.display_name()
            )));
        }
    }
    Ok(())
}

/// Reads an entry's local header and checks it against the central directory record.
/// `limit` is where the entry's data must end (the next entry or the central directory).
pub async fn read_local_header<S: ByteSource + ?Sized>(
    source: &S,
    entry: &Entry,
    limit: u64,
) -> Result<LocalHeader, ArchiveError> {
    let name = entry.display_name();
    let mismatch = |what: &str| {
        malformed(format!(
            "The local header of {name} disagrees with the central directory ({what}): the zip \
             is damaged or crafted to show different files to different tools."
        ))
    };
    let header_end = entry
        .local_header_offset
        .checked_add(LOCAL_HEADER_LEN)
        .filter(|end| *end <= limit)
        .ok_or_else(|| mismatch("header outside the archive"))?;
    let fixed = source
        .read_at(entry.local_header_offset, LOCAL_HEADER_LEN as usize)
        .await?;
    let mut c = Cursor::new(&fixed);
    let parsed = (|| {
        if c.u32()? != LOCAL_HEADER_SIGNATURE {
            return None;
        }
        let _needed = c.u16()?;
        let flags = c.u16()?;
        let method = c.u16()?;
        let _time_and_date = c.u32()?;
        let crc32 = c.u32()?;
        let compressed = c.u32()?;
        let uncompressed = c.u32()?;
        let name_len = c.u16()?;
        let extra_len = c.u16()?;
        Some((
            flags,
            method,
            crc32,
            compressed,
            uncompressed,
            name_len,
            extra_len,
        ))
    })();
    let Some((flags, method, crc32, compressed, uncompressed, name_len, extra_len)) = parsed else {
        return Err(mismatch("no local header at the recorded offset"));
    };
    if method != entry.method {
        return Err(mismatch("compression method"));
    }
    if flags & FLAG_ENCRYPTED != entry.flags & FLAG_ENCRYPTED {
        return Err(mismatch("encryption"));
    }
    if flags & FLAG_DATA_DESCRIPTOR == 0 {
        let sizes_match = (compressed == u32::MAX
            || u64::from(compressed) == entry.compressed_size)
            && (uncompressed == u32::MAX || u64::from(uncompressed) == entry.uncompressed_size);
        if crc32 != entry.crc32 || !sizes_match {
            return Err(mismatch("CRC or sizes"));
        }
    }
    let variable = u64::from(name_len) + u64::from(extra_len);
    let data_offset = header_end + variable;
    if data_offset
        .checked_add(entry.compressed_size)
        .is_none_or(|end| end > limit)
    {
        return Err(malformed(format!(
            "The data of {name} overlaps the next entry or the central directory."
        )));
    }
    let local_name = source.read_at(header_end, name_len as usize).await?;
    if local_name != entry.raw_name {
        return Err(mismatch("file name"));
    }
    Ok(LocalHeader { data_offset })
}

/// For each entry (by index), where its data must end: the next entry's local header, or the
/// central directory for the last one.
pub fn data_limits(directory: &CentralDirectory) -> Vec<u64> {
    let mut order: Vec<usize> = (0..directory.entries.len()).collect();
    order.sort_by_key(|&i| directory.entries[i].local_header_offset);
    let mut limits = vec![directory.offset; directory.entries.len()];
    for pair in order.windows(2) {
        limits[pair[0]] = directory.entries[pair[1]].local_header_offset;
    }
    limits
}
