//! Blobs on the local file system, under the storage folder (`blobs/ab/cd/<sha256>`). Uploads are
//! written to a temporary file (`tmp/`), fsynced, then renamed into place.
//!
//! Each temporary file is held under an exclusive advisory lock (`flock`) for as long as its upload
//! lives, so the sweep at start-up removes only files no live upload owns: those left behind when
//! a process died mid-upload (kill -9, power loss), even while another store process (a command
//! line call, a second server) is writing uploads of its own into the same folder.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

/// Bytes mapped from a file at a time when streaming it. Large enough that a fast client costs few
/// trips to the blocking pool, small enough that 100 downloads at once hold a few tens of MiB.
const CHUNK: u64 = 256 * 1024;

/// The blob folders of a local store.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
    temp: PathBuf,
    media: PathBuf,
    /// Small blobs kept mapped whole since their last download (see [`KEEP_MAPPED_MAX`]).
    mapped: Arc<MappedBlobs>,
}

/// Blobs of at most this many bytes stay mapped after a download, so the next download of the same
/// release (a game server fleet's, a popular package's) costs no system call for its file: it is
/// sent from the page cache as a slice of the mapping. Larger blobs (asset packs) are mapped a
/// [`CHUNK`] at a time instead, so they never hold more than that.
const KEEP_MAPPED_MAX: u64 = 16 * 1024 * 1024;
/// Blobs smaller than this are read into memory instead: a copy of a few pages costs less than a
/// mapping and its removal, and it keeps the cache to at most `KEEP_MAPPED_TOTAL / MAP_MIN` (8,192)
/// mappings, far below the kernel's limit per process (`vm.max_map_count`, 65,530 by default).
const MAP_MIN: u64 = 64 * 1024;
/// The most bytes of blobs kept mapped at once; the least used go first (quick_cache's CLOCK-Pro).
/// Mapped pages are the page cache's (shared with every reader, freed by the kernel under memory
/// pressure), not memory the store allocates.
const KEEP_MAPPED_TOTAL: u64 = 512 * 1024 * 1024;
/// How long a kept mapping serves before the file is opened and mapped again: a blob removed by
/// another process sharing the folder (which cannot drop this one's mapping) gives its disk space
/// back within this time of its next download.
const KEEP_MAPPED_FOR: Duration = Duration::from_secs(60);

/// The blobs kept mapped, by SHA-256.
#[derive(Debug)]
struct MappedBlobs {
    cache: quick_cache::sync::Cache<String, Mapped, MappedSize>,
    /// Counts removals ([`LocalBlobs::detach`]), so that a download that mapped a blob while it
    /// was being removed does not keep it mapped.
    removals: AtomicU64,
}

/// A blob mapped whole, and when it was mapped.
#[derive(Debug, Clone)]
struct Mapped {
    map: Arc<memmap2::Mmap>,
    at: Instant,
}

/// Weighs a mapped blob by its size in bytes.
#[derive(Debug, Clone, Copy)]
struct MappedSize;

impl quick_cache::Weighter<String, Mapped> for MappedSize {
    fn weight(&self, _sha256: &String, mapped: &Mapped) -> u64 {
        mapped.map.len() as u64
    }
}

impl MappedBlobs {
    fn new() -> MappedBlobs {
        // Four shards of 128 MiB: each holds blobs up to KEEP_MAPPED_MAX with room to spare.
        let options = quick_cache::OptionsBuilder::new()
            .shards(4)
            .estimated_items_capacity(1024)
            .weight_capacity(KEEP_MAPPED_TOTAL)
            .build()
            .expect("the mapping cache's options are valid");
        MappedBlobs {
            cache: quick_cache::sync::Cache::with_options(
                options,
                MappedSize,
                Default::default(),
                Default::default(),
            ),
            removals: AtomicU64::new(0),
        }
    }

    /// The mapping of `sha256` when it is kept and recent.
    fn get(&self, sha256: &str) -> Option<Arc<memmap2::Mmap>> {
        self.cache
            .get(sha256)
            .filter(|mapped| mapped.at.elapsed() < KEEP_MAPPED_FOR)
            .map(|mapped| mapped.map)
    }

    /// Keeps the mapping of `sha256`, made after [`Self::removals`] read `removals_before`, unless
    /// a removal happened since (the blob may be gone).
    fn keep(&self, sha256: &str, map: Arc<memmap2::Mmap>, removals_before: u64) {
        let mapped = Mapped {
            map,
            at: Instant::now(),
        };
        self.cache.insert(sha256.to_owned(), mapped);
        if self.removals.load(Ordering::SeqCst) != removals_before {
            self.cache.remove(sha256);
        }
    }

    /// Drops the mapping of a blob being removed.
    fn forget(&self, sha256: &str) {
        self.removals.fetch_add(1, Ordering::SeqCst);
        self.cache.remove(sha256);
    }
}

/// A temporary file being written.
#[derive(Debug)]
pub struct LocalTemp {
    file: File,
    /// `None` once finished: the path then belongs to the [`LocalWritten`].
    path: Option<PathBuf>,
}

/// A finished temporary file. Dropping it deletes the file unless it was moved into place.
#[derive(Debug)]
pub struct LocalWritten {
    pub path: PathBuf,
    kept: bool,
    /// Keeps the temporary file locked (see the module documentation) until it is committed or
    /// deleted.
    _lock: std::fs::File,
}

impl Drop for LocalWritten {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for LocalTemp {
    fn drop(&mut self) {
        // An upload that failed half-way leaves nothing behind.
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A blob file taken out of place by [`LocalBlobs::detach`], locked until it is deleted or put
/// back.
#[derive(Debug)]
pub struct LocalDetached {
    original: PathBuf,
    parked: PathBuf,
    _lock: std::fs::File,
}

impl LocalBlobs {
    /// The folders under `dir`, created when missing.
    pub fn open(dir: &Path) -> io::Result<LocalBlobs> {
        let store = LocalBlobs {
            root: dir.join("blobs"),
            temp: dir.join("tmp"),
            media: dir.join("media"),
            mapped: Arc::new(MappedBlobs::new()),
        };
        std::fs::create_dir_all(&store.root)?;
        std::fs::create_dir_all(&store.temp)?;
        Ok(store)
    }

    /// Deletes the temporary files no live upload owns (those whose lock is free) and returns how
    /// many. Files that live uploads, in this or another process, are writing stay.
    pub fn sweep_temp(&self) -> io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.temp)?.filter_map(Result::ok) {
            let path = entry.path();
            let Ok(file) = std::fs::File::open(&path) else {
                continue; // gone already, or not a file we can open
            };
            match file.try_lock() {
                Ok(()) => match std::fs::remove_file(&path) {
                    Ok(()) => removed += 1,
                    Err(error) => {
                        tracing::warn!(path = %path.display(), %error, "cannot remove a temporary file")
                    }
                },
                Err(std::fs::TryLockError::WouldBlock) => {} // a live upload's file
                Err(std::fs::TryLockError::Error(error)) => {
                    tracing::warn!(path = %path.display(), %error, "cannot lock a temporary file")
                }
            }
        }
        Ok(removed)
    }

    /// Where the blob with this hash lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root
            .join(&sha256[..2])
            .join(&sha256[2..4])
            .join(sha256)
    }

    /// Starts a new temporary file, locked for as long as the upload lives.
    pub async fn create_temp(&self) -> io::Result<LocalTemp> {
        let path = self
            .temp
            .join(format!("upload-{}", uuid::Uuid::now_v7().simple()));
        let file = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                // A sweep could only take this file in the instant between creating and locking
                // it, and sweeps run when a process starts.
                let file = std::fs::File::create(&path)?;
                file.lock()?;
                Ok::<_, io::Error>(file)
            })
            .await
            .map_err(io::Error::other)??
        };
        Ok(LocalTemp {
            file: File::from_std(file),
            path: Some(path),
        })
    }

    /// Moves a written file into place as the blob `sha256`, unless an identical blob is already
    /// there (then the temporary file is simply dropped).
    pub async fn commit(&self, mut written: LocalWritten, sha256: &str) -> io::Result<()> {
        let target = self.path(sha256);
        if fs::try_exists(&target).await? {
            return Ok(()); // the temporary file goes with `written`
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await?;
        }
        fs::rename(&written.path, &target).await?;
        written.kept = true;
        Ok(())
    }

    /// Takes a blob out of place (into the temporary folder); `None` when it is already gone. The
    /// parked file is locked first, as a live upload's is, so that no sweep (another process's
    /// start, `nanos-store storage sweep`) deletes it while its removal may still be undone.
    pub async fn detach(&self, sha256: &str) -> io::Result<Option<LocalDetached>> {
        let original = self.path(sha256);
        let parked = self
            .temp
            .join(format!("removed-{}", uuid::Uuid::now_v7().simple()));
        let (from, to) = (original.clone(), parked.clone());
        let lock = tokio::task::spawn_blocking(move || {
            let file = match std::fs::File::open(&from) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            file.lock()?;
            std::fs::rename(&from, &to)?;
            Ok(Some(file))
        })
        .await
        .map_err(io::Error::other)??;
        // A mapping would keep the file's space taken after its deletion.
        self.mapped.forget(sha256);
        Ok(lock.map(|lock| LocalDetached {
            original,
            parked,
            _lock: lock,
        }))
    }

    /// `length` bytes of the blob `sha256` from `start`, from its mapping ([`map_range`]: no copy,
    /// no buffer to fill).
    ///
    /// - A blob of at most [`KEEP_MAPPED_MAX`] is mapped whole, on the blocking pool, at its
    ///   first download, and stays mapped: a later download is a slice of that mapping, at once.
    /// - A larger one is mapped a [`CHUNK`] at a time on the blocking pool as the consumer asks for
    ///   them.
    /// - A tiny one ([`MAP_MIN`]) is read whole on the blocking pool.
    pub async fn read_range(
        &self,
        sha256: &str,
        start: u64,
        length: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        if let Some(map) = self.mapped.get(sha256) {
            return part(Bytes::from_owner(SharedMap(map)), start, length);
        }
        let removals_before = self.mapped.removals.load(Ordering::SeqCst);
        let path = self.path(sha256);
        let opened = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&path)?;
            let size = file.metadata()?.len();
            if size < MAP_MIN {
                let mut bytes = Vec::with_capacity(size as usize);
                (&file).take(size).read_to_end(&mut bytes)?;
                return Ok(Opened::Read(Bytes::from(bytes)));
            }
            if size <= KEEP_MAPPED_MAX {
                return Ok(Opened::Whole(Arc::new(map(&file, 0, size)?)));
            }
            checked_range(start, length, size)?;
            let first_length = length.min(CHUNK);
            let first = map_range(&file, start, first_length)?;
            Ok::<_, io::Error>(Opened::Chunked(file, first))
        })
        .await
        .map_err(io::Error::other)?;
        let (file, first) = match opened {
            Err(error) => {
                self.mapped.cache.remove(sha256); // an outdated mapping of a file now gone
                return Err(error);
            }
            Ok(Opened::Read(bytes)) => return part(bytes, start, length),
            Ok(Opened::Whole(map)) => {
                self.mapped.keep(sha256, Arc::clone(&map), removals_before);
                return part(Bytes::from_owner(SharedMap(map)), start, length);
            }
            Ok(Opened::Chunked(file, first)) => (Arc::new(file), first),
        };
        let first_length = first.len() as u64;
        let first = (!first.is_empty()).then_some(Ok(first));
        let rest = futures_util::stream::try_unfold(
            (file, start + first_length, length - first_length),
            |(file, at, left)| async move {
                if left == 0 {
                    return Ok(None);
                }
                let want = left.min(CHUNK);
                let chunk = tokio::task::spawn_blocking({
                    let file = Arc::clone(&file);
                    move || map_range(&file, at, want)
                })
                .await
                .map_err(io::Error::other)??;
                Ok(Some((chunk, (file, at + want, left - want))))
            },
        );
        Ok(futures_util::stream::iter(first).chain(rest).boxed())
    }

    /// Stores the media file `file` (`<hash>.<ext>`, checked by the caller) unless it is there;
    /// written to a temporary name and renamed, so a reader never sees half a file.
    pub async fn put_media(&self, file: &str, bytes: &[u8]) -> io::Result<()> {
        let folder = self.media.join(&file[..2]);
        let target = folder.join(file);
        if fs::try_exists(&target).await? {
            return Ok(());
        }
        fs::create_dir_all(&folder).await?;
        let temp = folder.join(format!(".{}.tmp", uuid::Uuid::now_v7().simple()));
        fs::write(&temp, bytes).await?;
        fs::rename(&temp, &target).await
    }

    /// The media file `file`, or `None` when there is none.
    pub async fn read_media(&self, file: &str) -> io::Result<Option<Bytes>> {
        match fs::read(self.media.join(&file[..2]).join(file)).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Where the blobs are, for logs.
    pub fn describe(&self) -> String {
        format!("the folder {}", self.root.display())
    }

    /// Whether the folders can still be read (for readiness checks).
    pub async fn check(&self) -> io::Result<()> {
        fs::metadata(&self.root).await?;
        fs::metadata(&self.temp).await.map(|_| ())
    }

    /// The names of the temporary files.
    pub fn temp_files(&self) -> io::Result<Vec<String>> {
        Ok(std::fs::read_dir(&self.temp)?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect())
    }

    /// The hashes of the stored blobs.
    pub fn blob_files(&self) -> io::Result<Vec<String>> {
        let mut found = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)?.filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(found)
    }
}

/// A blob opened for a download: read (tiny), mapped whole (small), or its file and first chunk
/// (large).
enum Opened {
    Read(Bytes),
    Whole(Arc<memmap2::Mmap>),
    Chunked(std::fs::File, Bytes),
}

/// `start..start + length` when it lies within a blob of `size` bytes; `UnexpectedEof` when not.
fn checked_range(start: u64, length: u64, size: u64) -> io::Result<std::ops::Range<usize>> {
    match start.checked_add(length) {
        Some(end) if end <= size => Ok(start as usize..end as usize),
        _ => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("bytes {start}+{length} are past the blob's end ({size} bytes)"),
        )),
    }
}

/// `length` bytes of the blob `file` from `offset` (within the file, checked by the caller), mapped
/// into memory and read in from the disk where the page cache lacks them before it returns, so
/// that sending them never waits for the disk. The bytes go from the page cache to the socket
/// with one copy, where `read` would need two (into a buffer, then out of it), and no buffer is
/// allocated and filled.
///
/// Why by hand: the web stack sends `Bytes` (no `sendfile`), and a mapping owned by `Bytes` is the
/// one way to hand it the page cache without copying.
///
/// The price, as for SQLite's own memory map (`PRAGMA mmap_size` in `db.rs`): a page the disk
/// fails to read back, or a blob shortened by hand, stops the process when the store's own code
/// reads it (the files browser inflating an entry) instead of failing one request; a socket write
/// from it fails with an error.
fn map(file: &std::fs::File, offset: u64, length: u64) -> io::Result<memmap2::Mmap> {
    let length = usize::try_from(length).map_err(io::Error::other)?;
    // SAFETY: a mapping is sound while nobody changes the file under it. A blob never changes
    // once in place: it is written whole to a temporary file and renamed into place
    // (`LocalBlobs::commit`), named by the SHA-256 of its bytes, never opened for writing again,
    // and removed by renaming or unlinking, which leave a live mapping intact. The range is within
    // the file's length, checked by the caller (a mapping past the end would fault).
    unsafe {
        memmap2::MmapOptions::new()
            .offset(offset)
            .len(length)
            .populate()
            .map(file)
    }
}

/// [`map`] as one chunk of a download.
fn map_range(file: &std::fs::File, offset: u64, length: u64) -> io::Result<Bytes> {
    if length == 0 {
        return Ok(Bytes::new());
    }
    Ok(Bytes::from_owner(SharedMap(Arc::new(map(
        file, offset, length,
    )?))))
}

/// A mapping shared by the downloads sending it, as the bytes it maps.
struct SharedMap(Arc<memmap2::Mmap>);

impl AsRef<[u8]> for SharedMap {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// `length` bytes from `start` of a whole blob's `bytes`, as a download's one chunk (none when
/// empty); `UnexpectedEof` past its end.
fn part(
    bytes: Bytes,
    start: u64,
    length: u64,
) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
    let part = bytes.slice(checked_range(start, length, bytes.len() as u64)?);
    Ok(futures_util::stream::iter((!part.is_empty()).then_some(Ok(part))).boxed())
}

impl LocalDetached {
    /// Deletes the file for good (its removal was committed).
    pub async fn discard(self) -> io::Result<()> {
        fs::remove_file(&self.parked).await
    }

    /// Puts the file back where it was (its removal was not committed).
    pub async fn restore(self) -> io::Result<()> {
        fs::rename(&self.parked, &self.original).await
    }
}

impl LocalTemp {
    /// Appends bytes.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes).await
    }

    /// Flushes and fsyncs the file.
    pub async fn finish(mut self) -> io::Result<LocalWritten> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        // A second handle to the same open file keeps its lock after this `LocalTemp` is gone.
        let lock = self.file.try_clone().await?.into_std().await;
        let path = self
            .path
            .take()
            .ok_or_else(|| io::Error::other("blob already finished"))?;
        Ok(LocalWritten {
            path,
            kept: false,
            _lock: lock,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    /// Places `bytes` as the blob `sha256` (any 64 characters), as a commit would.
    fn place(blobs: &LocalBlobs, sha256: &str, bytes: &[u8]) {
        let path = blobs.path(sha256);
        std::fs::create_dir_all(path.parent().expect("a blob has a folder")).expect("mkdir");
        std::fs::write(path, bytes).expect("write the blob");
    }

    async fn read(
        blobs: &LocalBlobs,
        sha256: &str,
        start: u64,
        length: u64,
    ) -> io::Result<Vec<u8>> {
        let chunks: Vec<Bytes> = blobs
            .read_range(sha256, start, length)
            .await?
            .try_collect()
            .await?;
        Ok(chunks.concat())
    }

    /// Bytes that differ at every offset modulo 251, so a misplaced range shows.
    fn pattern(length: usize) -> Vec<u8> {
        (0..length).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test]
    async fn small_blobs_stay_mapped_and_serve_any_range() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let sha = "ab".repeat(32);
        let bytes = pattern(300_000);
        place(&blobs, &sha, &bytes);

        assert_eq!(read(&blobs, &sha, 0, 300_000).await.expect("whole"), bytes);
        assert!(
            blobs.mapped.get(&sha).is_some(),
            "kept mapped after a download"
        );
        assert_eq!(
            read(&blobs, &sha, 1000, 10).await.expect("part"),
            &bytes[1000..1010]
        );
        assert_eq!(
            read(&blobs, &sha, 299_999, 1).await.expect("last byte"),
            &bytes[299_999..]
        );
        assert!(read(&blobs, &sha, 299_999, 0)
            .await
            .expect("nothing")
            .is_empty());
        let past = read(&blobs, &sha, 299_990, 11)
            .await
            .expect_err("past the end");
        assert_eq!(past.kind(), io::ErrorKind::UnexpectedEof);

        // A removal drops the mapping with the file.
        let detached = blobs
            .detach(&sha)
            .await
            .expect("detach")
            .expect("was there");
        assert!(blobs.mapped.get(&sha).is_none());
        let gone = read(&blobs, &sha, 0, 1)
            .await
            .expect_err("the file is gone");
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
        detached.restore().await.expect("restore");
        assert_eq!(read(&blobs, &sha, 5, 5).await.expect("back"), &bytes[5..10]);
    }

    #[tokio::test]
    async fn tiny_blobs_are_read_and_not_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let sha = "ef".repeat(32);
        let bytes = pattern(MAP_MIN as usize - 1);
        place(&blobs, &sha, &bytes);
        assert_eq!(
            read(&blobs, &sha, 0, bytes.len() as u64)
                .await
                .expect("whole"),
            bytes
        );
        assert_eq!(read(&blobs, &sha, 7, 3).await.expect("part"), &bytes[7..10]);
        assert!(
            blobs.mapped.get(&sha).is_none(),
            "a tiny blob is not mapped"
        );
        let past = read(&blobs, &sha, 0, MAP_MIN)
            .await
            .expect_err("past the end");
        assert_eq!(past.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn a_mapping_made_during_a_removal_is_not_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let sha = "ab".repeat(32);
        place(&blobs, &sha, &pattern(MAP_MIN as usize));
        let file = std::fs::File::open(blobs.path(&sha)).expect("open the blob");
        let map = Arc::new(map(&file, 0, MAP_MIN).expect("map"));

        // A download read the count, then the blob was removed before it kept its mapping.
        let before = blobs.mapped.removals.load(Ordering::SeqCst);
        let detached = blobs
            .detach(&sha)
            .await
            .expect("detach")
            .expect("was there");
        blobs.mapped.keep(&sha, Arc::clone(&map), before);
        assert!(blobs.mapped.get(&sha).is_none(), "not kept after a removal");

        // Without a removal in between, it is kept.
        detached.restore().await.expect("restore");
        let before = blobs.mapped.removals.load(Ordering::SeqCst);
        blobs.mapped.keep(&sha, map, before);
        assert!(blobs.mapped.get(&sha).is_some());
    }

    #[tokio::test]
    async fn large_blobs_are_mapped_a_chunk_at_a_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::open(dir.path()).expect("open");
        let sha = "cd".repeat(32);
        let size = KEEP_MAPPED_MAX as usize + 3 * CHUNK as usize + 17;
        let bytes = pattern(size);
        place(&blobs, &sha, &bytes);

        let chunks: Vec<Bytes> = blobs
            .read_range(&sha, 0, size as u64)
            .await
            .expect("open")
            .try_collect()
            .await
            .expect("read");
        assert!(chunks.iter().all(|chunk| chunk.len() as u64 <= CHUNK));
        assert_eq!(chunks.concat(), bytes);
        assert!(blobs.mapped.get(&sha).is_none(), "a large blob is not kept");

        // A range across chunk boundaries, from an offset that is not a page's.
        let (start, length) = (CHUNK as usize - 5, 2 * CHUNK as usize + 10);
        let part = read(&blobs, &sha, start as u64, length as u64)
            .await
            .expect("part");
        assert_eq!(part, &bytes[start..start + length]);
        let past = read(&blobs, &sha, size as u64 - 1, 2)
            .await
            .expect_err("past the end");
        assert_eq!(past.kind(), io::ErrorKind::UnexpectedEof);
    }
}
