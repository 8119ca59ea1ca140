//! A release's files: kept from its zip's central directory, listed, read one at a time by byte
//! range, and compared between releases.
//!
//! Reading one file never reads the central directory again: its row holds where its local
//! header starts and where its data must end, so the reads are that header and that data, from
//! the local disk or the object store alike.

use std::ops::ControlFlow;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx::Executor;

use super::highlight::{self, Highlighted};
use super::{
    compare as compare_lists, is_image, Changes, DiffLineView, FileDiffView, FileEntry, FileView,
    LineCounts, NotShown, TextKind, TreeEntry,
};
use crate::db::Pool;
use crate::error::{AppError, ErrorCode};
use crate::storage::{BlobReader, BlobStore};
use crate::validate::archive::{self, CentralDirectory, Entry};
use crate::validate::inflate::{self, EntryError, EntryInflater};
use crate::validate::source::ByteSource;
use crate::validate::Limits;

/// The zip of one release: where its files are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseZip {
    pub release_id: String,
    /// For messages ("Release 1.0.0 has no file …").
    pub version: String,
    /// The zip's blob, and its size.
    pub sha256: String,
    pub size: u64,
}

/// One file of a release as kept: what the pages show, and where its bytes are in the zip.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredFile {
    /// Its name in the zip.
    pub path: String,
    /// Unpacked and packed sizes, in bytes.
    pub size: i64,
    pub compressed_size: i64,
    /// The CRC-32 the zip records (a `u32`).
    pub crc32: i64,
    /// The zip's compression method and general-purpose flags.
    pub method: i64,
    pub flags: i64,
    /// Where its local header starts in the zip, and where its data must end (the next entry or
    /// the central directory).
    pub header_offset: i64,
    pub data_limit: i64,
}

const COLUMNS: &str =
    "path, size, compressed_size, crc32, method, flags, header_offset, data_limit";

impl StoredFile {
    /// The file as the API lists it.
    pub fn info(&self) -> FileEntry {
        FileEntry {
            path: self.path.clone(),
            size: self.size as u64,
            compressed_size: self.compressed_size as u64,
            crc32: self.crc32 as u32,
        }
    }

    /// The central directory record it came from, as much as reading its data needs.
    fn entry(&self) -> Entry {
        Entry {
            raw_name: self.path.as_bytes().to_vec(),
            name: Some(self.path.clone()),
            made_by_host: 0,
            flags: self.flags as u16,
            method: self.method as u16,
            crc32: self.crc32 as u32,
            compressed_size: self.compressed_size as u64,
            uncompressed_size: self.size as u64,
            local_header_offset: self.header_offset as u64,
            external_attributes: 0,
        }
    }

    /// How it is shown: as text of some kind, or not.
    pub fn text_kind(&self) -> Option<TextKind> {
        TextKind::of(&self.path)
    }
}

/// The files of a central directory, as kept: every entry that is not a directory and has a
/// UTF-8 name (a release's zip passed the validator, which refuses the others), by path.
pub fn files_of(directory: &CentralDirectory) -> Vec<StoredFile> {
    let limits = archive::data_limits(directory);
    let mut files: Vec<StoredFile> = directory
        .entries
        .iter()
        .zip(limits)
        .filter_map(|(entry, limit)| {
            Some(StoredFile {
                path: super::listed_path(entry)?.to_string(),
                size: entry.uncompressed_size as i64,
                compressed_size: entry.compressed_size as i64,
                crc32: i64::from(entry.crc32),
                method: i64::from(entry.method),
                flags: i64::from(entry.flags),
                header_offset: entry.local_header_offset as i64,
                data_limit: limit as i64,
            })
        })
        .collect();
    // Sorted by path, the first of entries named twice kept: as `super::file_list` lists them.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    files
}

/// Reads the files of the zip `reader` reads (its central directory, in one ranged read). The zip
/// passed the validator (within the store's limits, which may be larger than the defaults), so
/// only the sizes' sanity is checked again.
pub async fn read_files(reader: BlobReader) -> Result<Vec<StoredFile>, AppError> {
    let limits = Limits {
        max_archive_size: u64::MAX,
        max_unpacked_size: u64::MAX,
        ..Limits::default()
    };
    let directory = reader
        .run_blocking(async move |source| archive::read_central_directory(source, &limits).await)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read a release's zip: {e}")))?
        .map_err(|e| AppError::Internal(format!("cannot read a release's files: {e}")))?;
    Ok(files_of(&directory))
}

/// Rows per `INSERT` (9 values each, under both backends' limits on bound values).
const INSERT_BATCH: usize = 500;

/// Keeps `files` as the files of release `release_id` (those already kept stay).
pub async fn store(
    connection: &mut sqlx::AnyConnection,
    release_id: &str,
    files: &[StoredFile],
) -> Result<(), AppError> {
    for batch in files.chunks(INSERT_BATCH) {
        let mut text = format!("INSERT INTO release_files (release_id, {COLUMNS}) VALUES ");
        for (i, _) in batch.iter().enumerate() {
            let n = i * 9;
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            ));
        }
        text.push_str(" ON CONFLICT (release_id, path) DO NOTHING");
        let mut query = sqlx::query(&text);
        for file in batch {
            query = query
                .bind(release_id)
                .bind(&file.path)
                .bind(file.size)
                .bind(file.compressed_size)
                .bind(file.crc32)
                .bind(file.method)
                .bind(file.flags)
                .bind(file.header_offset)
                .bind(file.data_limit);
        }
        connection.execute(query).await?;
    }
    Ok(())
}

/// A release's files, by path (sorted by bytes, as [`folder`] and lookups expect, whatever the
/// database's collation). Releases uploaded before the store kept them have their zip's central
/// directory read once, here, and kept.
pub async fn list(
    pool: &Pool,
    blobs: &BlobStore,
    release: &ReleaseZip,
) -> Result<Vec<StoredFile>, AppError> {
    let mut files: Vec<StoredFile> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM release_files WHERE release_id = $1"
    ))
    .bind(&release.release_id)
    .fetch_all(pool)
    .await?;
    if files.is_empty() {
        return index(pool, blobs, release).await;
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Reads and keeps the files of a release whose files were never kept (a release has at least its
/// manifest, so one without rows was uploaded before files were kept); returns them.
async fn index(
    pool: &Pool,
    blobs: &BlobStore,
    release: &ReleaseZip,
) -> Result<Vec<StoredFile>, AppError> {
    let files = read_files(reader(blobs, release).await?).await?;
    let mut tx = pool.begin().await?;
    store(&mut tx, &release.release_id, &files).await?;
    tx.commit().await?;
    Ok(files)
}

/// Whether the release's files are kept (see [`index`]).
async fn indexed(pool: &Pool, release: &ReleaseZip) -> Result<bool, AppError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM release_files WHERE release_id = $1 LIMIT 1")
            .bind(&release.release_id)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// A reader of a release's zip.
async fn reader(blobs: &BlobStore, release: &ReleaseZip) -> Result<BlobReader, AppError> {
    blobs
        .reader(&release.sha256, release.size)
        .await
        .map_err(|e| AppError::Internal(format!("cannot open a release's zip: {e}")))
}

/// Checks a file path asked for: `/`-separated names, none empty, `.` or `..`, with no `\` or
/// control character. Anything else is `422 invalid-path`: a path that tries to leave the zip is
/// refused before it is looked up.
pub fn check_path(path: &str) -> Result<&str, AppError> {
    let bad = path.is_empty()
        || path.len() > 4096
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path.split('/').any(|part| matches!(part, "" | "." | ".."));
    if bad {
        return Err(AppError::field(
            ErrorCode::InvalidPath,
            "path",
            format!(
                "{:?} is not a file path in a release: give names separated by /, without \
                 empty, . or .. parts.",
                path.chars().take(200).collect::<String>()
            ),
        ));
    }
    Ok(path)
}

/// One file of a release, by its path; `404` when the release has none at that path. One row is
/// read, whatever the release's size.
pub async fn find(
    pool: &Pool,
    blobs: &BlobStore,
    release: &ReleaseZip,
    path: &str,
) -> Result<StoredFile, AppError> {
    let path = check_path(path)?;
    let found = match find_row(pool, release, path).await? {
        Some(file) => Some(file),
        None if indexed(pool, release).await? => None,
        // A release whose files were never kept: keep them, and look again.
        None => index(pool, blobs, release)
            .await?
            .into_iter()
            .find(|f| f.path == path),
    };
    found.ok_or_else(|| {
        AppError::NotFound(format!("Release {} has no file {path}.", release.version))
    })
}

/// The row of the file at `path`, if the release has one.
async fn find_row(
    pool: &Pool,
    release: &ReleaseZip,
    path: &str,
) -> Result<Option<StoredFile>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM release_files WHERE release_id = $1 AND path = $2"
    ))
    .bind(&release.release_id)
    .bind(path)
    .fetch_optional(pool)
    .await?)
}

/// Most entries a folder lists; the rest are counted.
pub const MAX_FOLDER_ENTRIES: usize = 2_000;

/// What is at a path of a release: a file, or a folder's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browsed {
    File(StoredFile),
    Folder {
        /// Its subfolders (with their files' count and size), then its files, each by name; at
        /// most [`MAX_FOLDER_ENTRIES`].
        entries: Vec<TreeEntry>,
        /// How many entries it has in all.
        total: usize,
    },
}

/// What is at `path` (`""` for the root) of a release: the file there, or the folder's entries
/// (read from its files' rows alone); `404` when there is neither, `422 invalid-path` for a path
/// that is none.
pub async fn browse(
    pool: &Pool,
    blobs: &BlobStore,
    release: &ReleaseZip,
    path: &str,
) -> Result<Browsed, AppError> {
    let path = path.trim_matches('/');
    let files = if path.is_empty() {
        list(pool, blobs, release).await?
    } else {
        check_path(path)?;
        if let Some(file) = find_row(pool, release, path).await? {
            return Ok(Browsed::File(file));
        }
        if !indexed(pool, release).await? {
            index(pool, blobs, release).await?;
            if let Some(file) = find_row(pool, release, path).await? {
                return Ok(Browsed::File(file));
            }
        }
        // The folder's files: those whose path starts with it (compared as text, not by the
        // collation, which may order `/` anywhere).
        let prefix = format!("{path}/");
        let mut files: Vec<StoredFile> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM release_files WHERE release_id = $1 AND substr(path, 1, CAST($2 AS INTEGER)) = $3"
        ))
        .bind(&release.release_id)
        .bind(prefix.chars().count() as i64)
        .bind(&prefix)
        .fetch_all(pool)
        .await?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    };
    let mut entries = folder(&files, path);
    if entries.is_empty() && !path.is_empty() {
        return Err(AppError::NotFound(format!(
            "Release {} has no file or folder {path}.",
            release.version
        )));
    }
    let total = entries.len();
    entries.truncate(MAX_FOLDER_ENTRIES);
    Ok(Browsed::Folder { entries, total })
}

/// A byte source that counts what is read through it.
struct Counting<'a, S: ?Sized> {
    source: &'a S,
    read: std::sync::atomic::AtomicU64,
}

impl<S: ByteSource + ?Sized> ByteSource for Counting<'_, S> {
    fn size(&self) -> u64 {
        self.source.size()
    }

    async fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let bytes = self.source.read_at(offset, len).await?;
        self.read
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(bytes)
    }
}

/// Largest extent of an entry (local header, name, data) read in one request and kept in memory
/// while the entry is read; larger entries are read in chunks as they are inflated.
const WHOLE_EXTENT_MAX: u64 = 1024 * 1024;

/// An entry's bytes read in one request, when they are few: an object store's reader would
/// otherwise fetch whole 4 MiB blocks around a small file, and the local disk is read once instead
/// of twice (header, then data). Reads outside the extent go to the zip itself.
struct Extent<'a, S: ?Sized> {
    source: &'a S,
    start: u64,
    bytes: Vec<u8>,
}

impl<'a, S: ByteSource + ?Sized> Extent<'a, S> {
    /// The extent of `file` in `source`, read at once when it is small.
    async fn of(source: &'a S, file: &StoredFile) -> std::io::Result<Extent<'a, S>> {
        let start = file.header_offset as u64;
        let length = (file.data_limit as u64).saturating_sub(start);
        let bytes = if length <= WHOLE_EXTENT_MAX {
            source.read_at(start, length as usize).await?
        } else {
            Vec::new()
        };
        Ok(Extent {
            source,
            start,
            bytes,
        })
    }
}

impl<S: ByteSource + ?Sized> ByteSource for Extent<'_, S> {
    fn size(&self) -> u64 {
        self.source.size()
    }

    async fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let inside = offset
            .checked_sub(self.start)
            .and_then(|from| {
                let from = usize::try_from(from).ok()?;
                self.bytes.get(from..from.checked_add(len)?)
            })
            .filter(|_| !self.bytes.is_empty());
        match inside {
            Some(bytes) => Ok(bytes.to_vec()),
            None => self.source.read_at(offset, len).await,
        }
    }
}

/// A file's bytes when they are at most `cap` (`None` past it), read from the zip by its byte
/// range alone (counted in `nanos_store_release_file_bytes_read_total`).
pub async fn read(
    blobs: &BlobStore,
    release: &ReleaseZip,
    file: &StoredFile,
    cap: u64,
) -> Result<Option<Vec<u8>>, AppError> {
    if file.size as u64 > cap {
        return Ok(None);
    }
    let entry = file.entry();
    let limit = file.data_limit as u64;
    let extent_of = file.clone();
    let (bytes, read) = reader(blobs, release)
        .await?
        .run_blocking(async move |source| {
            let counting = Counting {
                source,
                read: Default::default(),
            };
            let bytes = match Extent::of(&counting, &extent_of).await {
                Ok(extent) => inflate::read_entry(&extent, &entry, limit, cap).await,
                Err(e) => Err(EntryError::Io(e)),
            };
            (bytes, counting.read.into_inner())
        })
        .await
        .map_err(|e| AppError::Internal(format!("cannot read a release's zip: {e}")))?;
    metrics::counter!("nanos_store_release_file_bytes_read_total").increment(read);
    Ok(Some(bytes.map_err(|e| unreadable(file, &e))?))
}

/// The error for a file whose data cannot be read.
fn unreadable(file: &StoredFile, error: &EntryError) -> AppError {
    AppError::Internal(format!(
        "cannot read {} from a release: {error:?}",
        file.path
    ))
}

/// A file's bytes `start..end` (of its unpacked bytes), streamed as the client takes them, so that
/// memory stays small and nothing is read for a client that went away: a stored file's bytes are
/// its byte range of the zip, read like a download's; a deflated file's compressed bytes are read
/// from its range and unpacked chunk by chunk (each on the blocking pool, briefly) up to `end`. A
/// whole file is checked against its size and CRC at the end; a failure ends the stream with an
/// error.
pub async fn stream(
    blobs: &BlobStore,
    release: &ReleaseZip,
    file: &StoredFile,
    start: u64,
    end: u64,
) -> Result<BoxStream<'static, std::io::Result<Bytes>>, AppError> {
    let entry = file.entry();
    let limit = file.data_limit as u64;
    let header_entry = entry.clone();
    let data_offset = reader(blobs, release)
        .await?
        .run_blocking(async move |source| {
            archive::read_local_header(source, &header_entry, limit).await
        })
        .await
        .map_err(|e| AppError::Internal(format!("cannot read a release's zip: {e}")))?
        .map_err(|e| unreadable(file, &EntryError::from(e)))?
        .data_offset;
    let read = metrics::counter!("nanos_store_release_file_bytes_read_total");
    let unreadable_zip =
        |e: std::io::Error| AppError::Internal(format!("release file unreadable: {e}"));
    if entry.method == 0 {
        let bytes = blobs
            .read_range(&release.sha256, data_offset + start, end - start)
            .await
            .map_err(unreadable_zip)?;
        return Ok(Box::pin(
            bytes.inspect_ok(move |chunk| read.increment(chunk.len() as u64)),
        ));
    }
    let compressed = blobs
        .read_range(&release.sha256, data_offset, entry.compressed_size)
        .await
        .map_err(unreadable_zip)?;
    let inflater = EntryInflater::new(&entry).map_err(|e| unreadable(file, &e))?;
    let whole = start == 0 && end == entry.uncompressed_size;
    let state = Unpacking {
        compressed,
        pending: Bytes::new(),
        inflater: Some(inflater),
        fed: 0,
        total: entry.compressed_size,
        position: 0,
        start,
        end,
        whole,
        read,
    };
    Ok(Box::pin(futures_util::stream::try_unfold(
        state,
        Unpacking::next,
    )))
}

/// Compressed bytes unpacked at a time: at most 200 times as many unpacked bytes (the validator's
/// bomb ratio), held until the client takes them.
const UNPACK_STEP: usize = 32 * 1024;

/// Where the unpacking of a deflated file being streamed is.
struct Unpacking {
    compressed: BoxStream<'static, std::io::Result<Bytes>>,
    /// Compressed bytes read and not yet unpacked.
    pending: Bytes,
    /// `None` once done.
    inflater: Option<EntryInflater>,
    /// Compressed bytes fed so far, of `total`.
    fed: u64,
    total: u64,
    /// Unpacked bytes produced so far.
    position: u64,
    /// The range sent, `start..end` of the unpacked bytes.
    start: u64,
    end: u64,
    /// Whether the whole file is sent (then checked at its end).
    whole: bool,
    read: metrics::Counter,
}

impl Unpacking {
    /// The next piece of the range, unpacking as many compressed bytes as it takes.
    async fn next(mut self) -> std::io::Result<Option<(Bytes, Unpacking)>> {
        loop {
            let Some(mut inflater) = self.inflater.take() else {
                return Ok(None);
            };
            if self.pending.is_empty() {
                match self.compressed.try_next().await? {
                    Some(chunk) => {
                        self.read.increment(chunk.len() as u64);
                        self.pending = chunk;
                    }
                    None if self.fed < self.total => {
                        return Err(entry_failure(EntryError::Corrupt(
                            "The compressed data ends before the entry is complete.".into(),
                        )))
                    }
                    None => {}
                }
            }
            let step = self.pending.split_to(self.pending.len().min(UNPACK_STEP));
            self.fed += step.len() as u64;
            let last = self.fed >= self.total;
            let (position, start, end, whole) = (self.position, self.start, self.end, self.whole);
            let (inflater, unpacked) = tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                let mut at = position;
                let fed = inflater.feed(&step, last, |piece| {
                    let piece_start = at;
                    at += piece.len() as u64;
                    let from = start.saturating_sub(piece_start).min(piece.len() as u64) as usize;
                    let to = end.saturating_sub(piece_start).min(piece.len() as u64) as usize;
                    if from < to {
                        out.extend_from_slice(&piece[from..to]);
                    }
                    // A part stops at its end; a whole file is unpacked to the end of its data, so
                    // that its size and CRC are checked.
                    if at >= end && !whole {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                });
                (inflater, fed.map(|flow| (flow, at, out)))
            })
            .await
            .map_err(std::io::Error::other)?;
            let (flow, at, out) = unpacked.map_err(entry_failure)?;
            self.position = at;
            if last || flow.is_break() {
                // A whole file must be exactly its declared size and CRC.
                if self.whole {
                    inflater.finish().map_err(entry_failure)?;
                }
            } else {
                self.inflater = Some(inflater);
            }
            if !out.is_empty() {
                return Ok(Some((Bytes::from(out), self)));
            }
        }
    }
}

/// An unpacking failure as the I/O error that ends a stream.
fn entry_failure(error: EntryError) -> std::io::Error {
    match error {
        EntryError::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Most bytes of one file compared line by line.
pub const MAX_DIFFED_BYTES: u64 = 1024 * 1024;
/// Most changed text files compared line by line in one comparison; the others are listed by size
/// and CRC only.
pub const MAX_DIFFED_FILES: usize = 100;
/// Most bytes (both sides) compared line by line in one comparison.
pub const MAX_DIFFED_TOTAL: u64 = 16 * 1024 * 1024;
/// Most diff lines (changes and context) kept to show in one comparison; past them, files have
/// their line counts only.
pub const MAX_SHOWN_DIFF_LINES: usize = 20_000;

/// How far a comparison compares the changed text files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineDiffs {
    /// Their lines added and removed.
    Count,
    /// Their counts, and their hunks with each line highlighted (within [`MAX_SHOWN_DIFF_LINES`]).
    Show,
}

/// What changed from release `old` to release `new` (both of one resource), by size and CRC, and
/// line by line for the changed text files within [`MAX_DIFFED_BYTES`], [`MAX_DIFFED_FILES`] and
/// [`MAX_DIFFED_TOTAL`] (the others have no line counts). Reads only those files' bytes.
pub async fn compare(
    pool: &Pool,
    blobs: &BlobStore,
    old: &ReleaseZip,
    new: &ReleaseZip,
    lines: LineDiffs,
) -> Result<(Changes, Vec<FileDiff>), AppError> {
    let old_files = list(pool, blobs, old).await?;
    let new_files = list(pool, blobs, new).await?;
    let old_list: Vec<FileEntry> = old_files.iter().map(StoredFile::info).collect();
    let new_list: Vec<FileEntry> = new_files.iter().map(StoredFile::info).collect();
    let mut changes = compare_lists(&old_list, &new_list);
    let mut diffs = Vec::new();
    let by_path = |files: &[StoredFile], path: &str| -> Option<StoredFile> {
        files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| files[i].clone())
    };
    let mut budget = MAX_DIFFED_TOTAL;
    let mut shown_lines = 0;
    for changed in changes.changed.iter_mut() {
        let Some(kind) = TextKind::of(&changed.path) else {
            continue;
        };
        let size = changed.old_size.saturating_add(changed.new_size);
        if diffs.len() >= MAX_DIFFED_FILES || size > budget {
            continue;
        }
        let (Some(before), Some(after)) = (
            by_path(&old_files, &changed.path),
            by_path(&new_files, &changed.path),
        ) else {
            continue;
        };
        let old_text = read(blobs, old, &before, MAX_DIFFED_BYTES).await?;
        let new_text = read(blobs, new, &after, MAX_DIFFED_BYTES).await?;
        let (Some(old_text), Some(new_text)) =
            (old_text.and_then(text_of), new_text.and_then(text_of))
        else {
            continue;
        };
        budget -= size;
        let path = changed.path.clone();
        let show = lines == LineDiffs::Show && shown_lines < MAX_SHOWN_DIFF_LINES;
        let diff =
            tokio::task::spawn_blocking(move || diff_text(&path, kind, &old_text, &new_text, show))
                .await
                .map_err(|e| AppError::Internal(format!("diffing failed: {e}")))?;
        shown_lines += diff.hunks.iter().map(|h| h.lines.len()).sum::<usize>();
        changed.lines = Some(diff.counts);
        diffs.push(diff);
    }
    Ok((changes, diffs))
}

/// A file's bytes as text: UTF-8, with its line breaks made `\n` (`\r\n` and a lone `\r` too),
/// so that the file view, its highlighting and the diffs number the lines alike. `None` when it is
/// not UTF-8.
pub fn text_of(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    Some(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// One changed text file, compared line by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub path: String,
    pub counts: LineCounts,
    /// The hunks of a unified diff (3 lines of context), each line highlighted; empty when only
    /// counted.
    pub hunks: Vec<Hunk>,
    /// Whether the hunks were left out for being too many lines to show.
    pub truncated: bool,
}

/// A run of changed lines with their context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// `@@ -a,b +c,d @@`.
    pub header: String,
    pub lines: Vec<DiffLine>,
}

/// One line of a diff: its numbers in the old and new text, what happened to it, and its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub old_number: Option<usize>,
    pub new_number: Option<usize>,
    pub change: LineChange,
    /// The highlighted line (see [`highlight`]).
    pub html: String,
}

/// What a diff line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineChange {
    /// In both texts, shown around the changes.
    Context,
    /// Only in the newer text.
    Added,
    /// Only in the older text.
    Removed,
}

/// Most lines of one file's diff kept to show; a file with more has its counts only.
const MAX_FILE_DIFF_LINES: usize = 5_000;

/// Compares two texts line by line (Myers' diff, by `similar`, within a time limit); with `show`,
/// keeps the hunks (at most [`MAX_FILE_DIFF_LINES`] lines), each line highlighted as `kind`.
pub fn diff_text(path: &str, kind: TextKind, old: &str, new: &str, show: bool) -> FileDiff {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(old, new);
    let mut counts = LineCounts::default();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => counts.added += 1,
            similar::ChangeTag::Delete => counts.removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let groups = diff.grouped_ops(3);
    let hunk_lines: usize = groups
        .iter()
        .flatten()
        .map(|op| op.old_range().len().max(op.new_range().len()) * 2)
        .sum();
    let truncated = show && hunk_lines > MAX_FILE_DIFF_LINES * 2;
    if !show || truncated {
        return FileDiff {
            path: path.to_string(),
            counts,
            hunks: Vec::new(),
            truncated,
        };
    }
    let old_html = highlight::highlight(old, kind);
    let new_html = highlight::highlight(new, kind);
    let line_html = |lines: &Highlighted, index: Option<usize>| {
        index
            .and_then(|i| lines.lines.get(i).cloned())
            .unwrap_or_default()
    };
    let mut hunks = Vec::new();
    for group in groups {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let header = format!(
            "@@ -{},{} +{},{} @@",
            old_range.start + 1,
            old_range.len(),
            new_range.start + 1,
            new_range.len()
        );
        let mut lines = Vec::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                let (change_kind, html) = match change.tag() {
                    similar::ChangeTag::Equal => (
                        LineChange::Context,
                        line_html(&new_html, change.new_index()),
                    ),
                    similar::ChangeTag::Insert => {
                        (LineChange::Added, line_html(&new_html, change.new_index()))
                    }
                    similar::ChangeTag::Delete => (
                        LineChange::Removed,
                        line_html(&old_html, change.old_index()),
                    ),
                };
                lines.push(DiffLine {
                    old_number: change.old_index().map(|i| i + 1),
                    new_number: change.new_index().map(|i| i + 1),
                    change: change_kind,
                    html,
                });
            }
        }
        hunks.push(Hunk { header, lines });
    }
    FileDiff {
        path: path.to_string(),
        counts,
        hunks,
        truncated: false,
    }
}

/// The two versions of `{a}...{b}`, or `422 invalid-comparison`.
pub fn parse_comparison(range: &str) -> Result<(&str, &str), AppError> {
    range
        .split_once("...")
        .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains("..."))
        .ok_or_else(|| AppError::Invalid {
            code: ErrorCode::InvalidComparison,
            field: None,
            message: format!(
                "{:?} is not a comparison: write two versions with ... between them, older \
                 first (1.0.0...1.1.0).",
                range.chars().take(100).collect::<String>()
            ),
        })
}

/// The entries of folder `path` (`""` for the root) among `files` (sorted by path): its
/// subfolders, each with its files' count and size, then its files, each by name.
pub fn folder(files: &[StoredFile], path: &str) -> Vec<TreeEntry> {
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let start = files.partition_point(|f| f.path.as_str() < prefix.as_str());
    let mut folders: Vec<TreeEntry> = Vec::new();
    let mut entries: Vec<TreeEntry> = Vec::new();
    for file in files[start..]
        .iter()
        .take_while(|f| f.path.starts_with(&prefix))
    {
        let rest = &file.path[prefix.len()..];
        match rest.split_once('/') {
            Some((name, _)) => match folders.last_mut().filter(|f| f.name == name) {
                Some(folder) => {
                    folder.files += 1;
                    folder.size += file.size as u64;
                }
                None => folders.push(TreeEntry {
                    name: name.to_string(),
                    path: format!("{prefix}{name}"),
                    folder: true,
                    size: file.size as u64,
                    files: 1,
                    crc32: 0,
                }),
            },
            None => entries.push(TreeEntry {
                name: rest.to_string(),
                path: file.path.clone(),
                folder: false,
                size: file.size as u64,
                files: 1,
                crc32: file.crc32 as u32,
            }),
        }
    }
    folders.extend(entries);
    folders
}

/// Most lines of a text file shown; the rest is for downloading.
pub const MAX_SHOWN_LINES: usize = 20_000;

/// How the file browser shows `file`: text (highlighted within the limits of [`highlight`],
/// plain past them; at most `max_shown` bytes and [`MAX_SHOWN_LINES`] lines), an image, or a file
/// to download.
pub async fn view(
    blobs: &BlobStore,
    release: &ReleaseZip,
    file: &StoredFile,
    max_shown: u64,
) -> Result<FileView, AppError> {
    if is_image(&file.path) {
        return Ok(FileView::Image);
    }
    let Some(kind) = file.text_kind() else {
        return Ok(FileView::Other {
            reason: NotShown::NotText,
        });
    };
    let Some(bytes) = read(blobs, release, file, max_shown).await? else {
        return Ok(FileView::Other {
            reason: NotShown::TooLarge { max: max_shown },
        });
    };
    let Some(mut text) = text_of(bytes) else {
        return Ok(FileView::Other {
            reason: NotShown::NotUtf8,
        });
    };
    let total_lines = text.lines().count().max(1);
    if total_lines > MAX_SHOWN_LINES {
        let cut = text
            .match_indices('\n')
            .nth(MAX_SHOWN_LINES - 1)
            .map(|(at, _)| at)
            .unwrap_or(text.len());
        text.truncate(cut);
    }
    let highlighted = tokio::task::spawn_blocking(move || highlight::highlight(&text, kind))
        .await
        .map_err(|e| AppError::Internal(format!("highlighting failed: {e}")))?;
    Ok(FileView::Text {
        lines: highlighted.lines,
        highlighted: highlighted.complete,
        total_lines,
    })
}

impl FileDiff {
    /// The diff as the comparison page shows it.
    pub fn view(self) -> FileDiffView {
        FileDiffView {
            path: self.path,
            counts: self.counts,
            truncated: self.truncated,
            hunks: self
                .hunks
                .into_iter()
                .map(|hunk| {
                    let lines = hunk
                        .lines
                        .into_iter()
                        .map(|line| DiffLineView {
                            old_number: line.old_number,
                            new_number: line.new_number,
                            mark: match line.change {
                                LineChange::Context => ' ',
                                LineChange::Added => '+',
                                LineChange::Removed => '-',
                            },
                            html: line.html,
                        })
                        .collect();
                    (hunk.header, lines)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_name_two_versions() {
        assert_eq!(
            parse_comparison("1.0.0...1.1.0").ok(),
            Some(("1.0.0", "1.1.0"))
        );
        for bad in ["1.0.0", "...1.0.0", "1.0.0...", "1...2...3", "1..2"] {
            assert!(parse_comparison(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn folders_list_their_subfolders_then_files() {
        let file = |path: &str, size: i64| StoredFile {
            path: path.into(),
            size,
            compressed_size: size,
            crc32: 1,
            method: 0,
            flags: 0,
            header_offset: 0,
            data_limit: 0,
        };
        let files = [
            file("Client/Index.lua", 10),
            file("Client/ui/app.js", 5),
            file("Client/ui/index.html", 7),
            file("Package.toml", 3),
            file("Server/Index.lua", 20),
        ];
        let root: Vec<(String, bool, u64, u64)> = folder(&files, "")
            .into_iter()
            .map(|e| (e.name, e.folder, e.size, e.files))
            .collect();
        assert_eq!(
            root,
            [
                ("Client".to_string(), true, 22, 3),
                ("Server".to_string(), true, 20, 1),
                ("Package.toml".to_string(), false, 3, 1)
            ]
        );
        let client: Vec<String> = folder(&files, "Client")
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(client, ["Client/ui", "Client/Index.lua"]);
        assert!(folder(&files, "Clie").is_empty());
    }

    #[test]
    fn paths_that_leave_the_zip_are_refused() {
        for bad in [
            "",
            "../secret",
            "a/../../b",
            "/etc/passwd",
            "a//b",
            "a/./b",
            "a\\..\\b",
            "a/\u{0}b",
            "trailing/",
        ] {
            let refused = check_path(bad).expect_err(bad);
            assert_eq!(refused.body().code, ErrorCode::InvalidPath, "{bad}");
        }
        assert_eq!(
            check_path("Server/Index.lua").ok(),
            Some("Server/Index.lua")
        );
        assert_eq!(check_path("a..b/c.d").ok(), Some("a..b/c.d"));
    }

    #[test]
    fn diffs_count_lines_and_keep_numbers() {
        let old = "local a = 1\nlocal b = 2\nlocal c = 3\nreturn a\n";
        let new = "local a = 1\nlocal c = 4\nreturn a\n-- end\n";
        let diff = diff_text("x.lua", TextKind::Lua, old, new, true);
        assert_eq!(
            diff_text("x.lua", TextKind::Lua, old, new, false).counts,
            diff.counts
        );
        assert_eq!(
            diff.counts,
            LineCounts {
                added: 2,
                removed: 2
            }
        );
        assert_eq!(diff.hunks.len(), 1);
        assert_eq!(diff.hunks[0].header, "@@ -1,4 +1,4 @@");
        let removed: Vec<usize> = diff.hunks[0]
            .lines
            .iter()
            .filter(|l| l.change == LineChange::Removed)
            .filter_map(|l| l.old_number)
            .collect();
        assert_eq!(removed, [2, 3]);
        assert!(diff.hunks[0].lines.iter().all(|l| !l.html.contains('\n')));
    }
}
