//! Blob storage: release files, content-addressed by SHA-256, on the local file system (the
//! default: `blobs/ab/cd/<sha256>` under the storage folder) or in an S3-compatible object store
//! (`store.storage = "s3://bucket/prefix"`). Both behave the same to the rest of the store:
//!
//! - an upload streams into a temporary blob, hashed and counted on the fly, with bounded memory;
//! - [`BlobStore::commit`] puts it in place under its hash, once; identical uploads share a blob;
//! - whatever fails before that leaves nothing behind (the temporary blob goes when dropped), and a
//!   sweep at start-up removes what a process that died mid-upload left;
//! - reads are by byte range ([`BlobReader`], the validator's [`ByteSource`]) or streamed
//!   ([`BlobStore::read_range`]), never the whole file in memory.
//!
//! Resource images (icons, screenshots) live beside the blobs, under `media/`, so that an instance
//! on object storage keeps nothing on its own disk.
//!
//! `local` and `object` hold each backend; this module only dispatches and hashes.

mod local;
mod object;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};

use crate::config::Storage;
use crate::validate::source::{ByteSource, FileSource};
use local::{LocalBlobs, LocalDetached, LocalTemp, LocalWritten};
pub use object::STALE_TEMP_AGE;
use object::{ObjectBlobs, ObjectDetached, ObjectReader, ObjectTemp, ObjectWritten};

/// The blob store of the settings' `store.storage`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(LocalBlobs),
    Object(Arc<ObjectBlobs>),
}

/// A blob being written: bytes go to a temporary file or object and through the hash.
#[derive(Debug)]
pub struct TempBlob {
    inner: TempInner,
    hasher: Sha256,
    size: u64,
}

#[derive(Debug)]
enum TempInner {
    Local(LocalTemp),
    Object(ObjectTemp),
}

/// A finished temporary blob with its hash and size. Dropping it deletes it unless it was
/// committed.
#[derive(Debug)]
pub struct WrittenBlob {
    pub sha256: String,
    pub size: u64,
    inner: WrittenInner,
}

#[derive(Debug)]
enum WrittenInner {
    Local(LocalWritten),
    Object(ObjectWritten),
}

/// A blob taken out of place by [`BlobStore::detach`] while its removal is being committed.
#[derive(Debug)]
pub struct DetachedBlob {
    inner: DetachedInner,
}

#[derive(Debug)]
enum DetachedInner {
    Local(LocalDetached),
    Object(ObjectDetached),
}

/// Ranged reads of one blob (a stored one or a written temporary one).
pub enum BlobReader {
    File(FileSource),
    Object(ObjectReader),
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobReader::File(_) => f.write_str("BlobReader::File"),
            BlobReader::Object(object) => {
                f.debug_tuple("BlobReader::Object").field(object).finish()
            }
        }
    }
}

impl BlobStore {
    /// Opens the store `storage` names, creating the local folders when missing, checks that it
    /// answers, and removes what interrupted uploads left.
    pub async fn open(storage: &Storage) -> io::Result<BlobStore> {
        let store = BlobStore::open_without_sweep(storage)?;
        store.check().await?;
        // A failed sweep (another instance sweeping the same uploads, a passing error) does not
        // stop the store: the next start sweeps again.
        match store.sweep_temp().await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(
                removed,
                "removed temporary files left by interrupted uploads"
            ),
            Err(error) => tracing::warn!(%error, "the sweep of interrupted uploads failed"),
        }
        Ok(store)
    }

    /// Sweeps every `period` (see [`sweep_temp_older_than`](Self::sweep_temp_older_than), with
    /// `age`) until `stop` completes, so that a store that runs for months cleans up after
    /// instances that died, not only when it starts. Failures are logged.
    pub async fn sweep_every(
        &self,
        period: Duration,
        age: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let mut stop = std::pin::pin!(stop);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = ticks.tick() => match self.sweep_temp_older_than(age).await {
                    Ok(0) => {}
                    Ok(removed) => tracing::info!(removed, "removed what interrupted uploads left"),
                    Err(error) => tracing::warn!(%error, "the sweep of interrupted uploads failed"),
                },
            }
        }
    }

    /// Opens the store `storage` names, creating the local folders when missing; nothing is
    /// swept and no request is made.
    pub fn open_without_sweep(storage: &Storage) -> io::Result<BlobStore> {
        Ok(match storage {
            Storage::Local(dir) => BlobStore {
                backend: Backend::Local(LocalBlobs::open(dir)?),
            },
            Storage::S3(settings) => BlobStore {
                backend: Backend::Object(Arc::new(ObjectBlobs::open(settings)?)),
            },
        })
    }

    /// Deletes what interrupted uploads left and no live upload owns, and returns how many: local
    /// temporary files no upload holds locked, and temporary objects older than
    /// [`STALE_TEMP_AGE`].
    pub async fn sweep_temp(&self) -> io::Result<usize> {
        self.sweep_temp_older_than(STALE_TEMP_AGE).await
    }

    /// As [`sweep_temp`](Self::sweep_temp), counting temporary objects older than `age` as left
    /// behind (local files are judged by their locks, whatever their age). For tests and
    /// operators who know no upload is running.
    pub async fn sweep_temp_older_than(&self, age: Duration) -> io::Result<usize> {
        match &self.backend {
            Backend::Local(local) => {
                let local = local.clone();
                tokio::task::spawn_blocking(move || local.sweep_temp())
                    .await
                    .map_err(io::Error::other)?
            }
            Backend::Object(object) => object.sweep_temp(age).await,
        }
    }

    /// Starts a new temporary blob.
    pub async fn create_temp(&self) -> io::Result<TempBlob> {
        let inner = match &self.backend {
            Backend::Local(local) => TempInner::Local(local.create_temp().await?),
            Backend::Object(object) => TempInner::Object(object.create_temp().await?),
        };
        Ok(TempBlob {
            inner,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Puts a written blob in place, unless an identical blob is already there (then the
    /// temporary one is simply dropped). The caller holds the blob's row lock (see
    /// `resources::releases`), so no removal of the same blob runs at the same time.
    pub async fn commit(&self, blob: WrittenBlob) -> io::Result<()> {
        match (&self.backend, blob.inner) {
            (Backend::Local(local), WrittenInner::Local(written)) => {
                local.commit(written, &blob.sha256).await
            }
            (Backend::Object(object), WrittenInner::Object(written)) => {
                object.commit(written, &blob.sha256).await
            }
            _ => Err(io::Error::other("a blob written to another store")),
        }
    }

    /// Takes a blob out of place before its removal is committed to the database; the returned
    /// handle deletes it for good or puts it back. `None` when it is already gone.
    pub async fn detach(&self, sha256: &str) -> io::Result<Option<DetachedBlob>> {
        Ok(match &self.backend {
            Backend::Local(local) => local.detach(sha256).await?.map(DetachedInner::Local),
            Backend::Object(object) => object.detach(sha256).await?.map(DetachedInner::Object),
        }
        .map(|inner| DetachedBlob { inner }))
    }

    /// Ranged reads of the stored blob `sha256` of `size` bytes.
    pub async fn reader(&self, sha256: &str, size: u64) -> io::Result<BlobReader> {
        match &self.backend {
            Backend::Local(local) => BlobReader::open_file(local.path(sha256)).await,
            Backend::Object(object) => Ok(BlobReader::Object(object.reader(sha256, size))),
        }
    }

    /// `length` bytes of the blob `sha256` from `start`, read as the consumer asks for them.
    pub async fn read_range(
        &self,
        sha256: &str,
        start: u64,
        length: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        match &self.backend {
            Backend::Local(local) => local.read_range(sha256, start, length).await,
            Backend::Object(object) => object.read_range(sha256, start, length).await,
        }
    }

    /// A short-lived URL from which a client can fetch the blob `sha256` itself, saved as
    /// `filename`; `None` for a local store, whose files only the store serves.
    pub async fn signed_download(
        &self,
        sha256: &str,
        valid_for: Duration,
        filename: &str,
    ) -> io::Result<Option<url::Url>> {
        match &self.backend {
            Backend::Local(_) => Ok(None),
            Backend::Object(object) => object
                .signed_download(sha256, valid_for, filename)
                .await
                .map(Some),
        }
    }

    /// Stores a media file (an icon or screenshot, named `<sha256>.<ext>` by the caller after its
    /// content) unless it is already there.
    pub async fn put_media(&self, file: &str, bytes: &[u8]) -> io::Result<()> {
        check_media_name(file)?;
        match &self.backend {
            Backend::Local(local) => local.put_media(file, bytes).await,
            Backend::Object(object) => object.put_media(file, bytes).await,
        }
    }

    /// The media file `file`; `None` when there is none.
    pub async fn read_media(&self, file: &str) -> io::Result<Option<Bytes>> {
        check_media_name(file)?;
        match &self.backend {
            Backend::Local(local) => local.read_media(file).await,
            Backend::Object(object) => object.read_media(file).await,
        }
    }

    /// Whether the store can be reached (for `/readyz`).
    pub async fn check(&self) -> io::Result<()> {
        match &self.backend {
            Backend::Local(local) => local.check().await,
            Backend::Object(object) => object.check().await,
        }
    }

    /// The names of temporary blobs (uploads in progress or left behind), for tests and clean-up.
    pub async fn temp_files(&self) -> io::Result<Vec<String>> {
        match &self.backend {
            Backend::Local(local) => local.temp_files(),
            Backend::Object(object) => object.temp_files().await,
        }
    }

    /// How many multipart uploads of temporary objects are neither completed nor aborted (uploads
    /// in progress, or left by a process that died); always 0 for a local store. For tests and
    /// clean-up.
    pub async fn pending_uploads(&self) -> io::Result<usize> {
        match &self.backend {
            Backend::Local(_) => Ok(0),
            Backend::Object(object) => Ok(object.pending_uploads().await?.len()),
        }
    }

    /// The hashes of the stored blobs, for tests and clean-up.
    pub async fn blob_files(&self) -> io::Result<Vec<String>> {
        match &self.backend {
            Backend::Local(local) => local.blob_files(),
            Backend::Object(object) => object.blob_files().await,
        }
    }

    /// Where the blobs are, for logs.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(local) => local.describe(),
            Backend::Object(object) => object.describe().to_string(),
        }
    }
}

/// Refuses a media name that could reach outside the media folder: only `<hex>.<ext>` goes through
/// (the names the media service makes; it checks them more closely).
fn check_media_name(file: &str) -> io::Result<()> {
    let safe = file.len() > 3
        && file
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
        && !file.starts_with('.');
    if safe {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{file:?} is not a media file name"),
        ))
    }
}

impl DetachedBlob {
    /// Deletes the blob for good (its removal was committed).
    pub async fn discard(self) -> io::Result<()> {
        match self.inner {
            DetachedInner::Local(local) => local.discard().await,
            DetachedInner::Object(object) => object.discard().await,
        }
    }

    /// Puts the blob back (its removal was not committed).
    pub async fn restore(self) -> io::Result<()> {
        match self.inner {
            DetachedInner::Local(local) => local.restore().await,
            DetachedInner::Object(object) => object.restore().await,
        }
    }
}

impl TempBlob {
    /// Appends bytes.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        metrics::counter!("nanos_store_upload_bytes_total").increment(bytes.len() as u64);
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        match &mut self.inner {
            TempInner::Local(local) => local.write(bytes).await,
            TempInner::Object(object) => object.write(bytes).await,
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the blob durable and returns it with its hash.
    pub async fn finish(self) -> io::Result<WrittenBlob> {
        let sha256 = hex::encode(self.hasher.finalize());
        let inner = match self.inner {
            TempInner::Local(local) => WrittenInner::Local(local.finish().await?),
            TempInner::Object(object) => WrittenInner::Object(object.finish().await?),
        };
        Ok(WrittenBlob {
            sha256,
            size: self.size,
            inner,
        })
    }
}

impl WrittenBlob {
    /// Deletes the temporary blob now (dropping it does so too, in the background for an object
    /// store); a failure is logged, and the start-up sweep removes what stays.
    pub async fn discard(self) {
        match self.inner {
            WrittenInner::Local(local) => drop(local),
            WrittenInner::Object(object) => object.discard().await,
        }
    }

    /// Ranged reads of the written (not yet committed) blob, for validation.
    pub async fn reader(&self) -> io::Result<BlobReader> {
        match &self.inner {
            WrittenInner::Local(local) => BlobReader::open_file(local.path.clone()).await,
            WrittenInner::Object(object) => Ok(BlobReader::Object(object.reader(self.size))),
        }
    }
}

impl ByteSource for BlobReader {
    fn size(&self) -> u64 {
        match self {
            BlobReader::File(file) => file.size(),
            BlobReader::Object(object) => object.size(),
        }
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        match self {
            BlobReader::File(file) => file.read_at(offset, len).await,
            BlobReader::Object(object) => object.read_at(offset, len).await,
        }
    }
}

impl BlobReader {
    /// A reader of the file at `path`, opened on the blocking pool.
    async fn open_file(path: std::path::PathBuf) -> io::Result<BlobReader> {
        let source = tokio::task::spawn_blocking(move || FileSource::open(&path))
            .await
            .map_err(io::Error::other)??;
        Ok(BlobReader::File(source))
    }

    /// Runs `work` (validation, reading images: work that also spends CPU) on the blocking pool,
    /// its reads waiting on this runtime.
    pub async fn run_blocking<T, F>(self, work: F) -> io::Result<T>
    where
        T: Send + 'static,
        F: AsyncFnOnce(&BlobReader) -> T + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || runtime.block_on(work(&self)))
            .await
            .map_err(io::Error::other)
    }
}
