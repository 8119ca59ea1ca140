//! Blobs in an S3-compatible object store (`s3://bucket/prefix`), through the `object_store`
//! crate. Keys mirror the local layout under the prefix: `blobs/ab/cd/<sha256>` and
//! `tmp/upload-<id>`.
//!
//! - An upload streams into a multipart upload of a temporary object, a few parts in flight at a
//!   time, so memory stays bounded whatever the size. It is copied into place once its hash is
//!   known and the database agrees, and the temporary object is deleted. An upload that fails
//!   half-way is aborted; a finished one that is not kept is deleted.
//! - Reads (validation, images) fetch byte ranges, through a small cache of 4 MiB blocks with the
//!   next block read ahead, so the validator's many small reads cost few requests, waiting on the
//!   network overlaps checking, and no read holds the whole object.
//! - Downloads stream a ranged `GET`, or are redirected to a short-lived presigned URL.
//!
//! Several store processes may share a bucket: no object is locked, so the start-up sweep deletes
//! only temporary objects older than [`STALE_TEMP_AGE`], which no live upload still owns.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart,
};

use crate::config::S3Storage;

/// Size of one part of a multipart upload (S3 wants at least 5 MiB but for the last).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one upload sent at once; with the part being filled, an upload holds at most
/// `(PARTS_IN_FLIGHT + 1) * PART_SIZE` bytes.
const PARTS_IN_FLIGHT: usize = 2;
/// Bytes fetched at once by a reader, and kept in its cache: few requests for a large object
/// read in order, little waste for a small read.
const BLOCK: u64 = 4 * 1024 * 1024;
/// Blocks a reader keeps (with the one read ahead, a reader holds at most 3 blocks).
const CACHED_BLOCKS: usize = 2;
/// Longest any request to the object store may take (a part of an upload, a block read, a
/// listing), but a streamed download and a copy.
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(120);
/// Longest a server-side copy into place may take (a 1 GiB object, on a slow server).
const COPY_TIME_LIMIT: Duration = Duration::from_secs(600);
/// Age after which a temporary object belongs to no live upload: uploads are written, checked
/// and committed within minutes.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(6 * 3600);

/// A bucket and prefix holding blobs.
#[derive(Debug)]
pub struct ObjectBlobs {
    /// For every request but the two below, each bounded by [`REQUEST_TIME_LIMIT`].
    store: Arc<AmazonS3>,
    /// For streamed downloads and server-side copies, with no limit on a whole request.
    streaming: Arc<AmazonS3>,
    /// For the few S3 calls `object_store` does not make (see [`ObjectBlobs::pending_uploads`]).
    http: reqwest::Client,
    prefix: String,
    /// What [`ObjectBlobs::describe`] says, with no secret.
    description: String,
}

/// A multipart upload of a temporary object, begun and neither completed nor aborted.
#[derive(Debug)]
pub struct PendingUpload {
    pub key: String,
    upload_id: String,
    pub initiated: std::time::SystemTime,
}

/// S3's `ListMultipartUploadsResult`, the parts the sweep reads.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListMultipartUploads {
    #[serde(default, rename = "Upload")]
    uploads: Vec<ListedUpload>,
    #[serde(default)]
    is_truncated: bool,
    next_key_marker: Option<String>,
    next_upload_id_marker: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedUpload {
    key: String,
    upload_id: String,
    initiated: String,
}

/// A temporary object being written (a multipart upload).
pub struct ObjectTemp {
    store: Arc<AmazonS3>,
    key: Key,
    /// `None` once finished or aborted.
    upload: Option<WriteMultipart>,
}

/// A finished temporary object; dropping it deletes the object unless it was copied into place.
#[derive(Debug)]
pub struct ObjectWritten {
    store: Arc<AmazonS3>,
    key: Key,
    deleted: bool,
}

/// A blob object moved out of place (to `tmp/removed-<id>`) while its removal is committed.
#[derive(Debug)]
pub struct ObjectDetached {
    store: Arc<AmazonS3>,
    original: Key,
    parked: Key,
}

/// Ranged reads of one object, through a cache of a few blocks.
#[derive(Debug)]
pub struct ObjectReader {
    store: Arc<AmazonS3>,
    key: Key,
    size: u64,
    cache: Mutex<VecDeque<(u64, Bytes)>>,
    /// The block after the last one fetched, being fetched in the background (reads are mostly
    /// in order: the validator walks the entries front to back).
    ahead: Mutex<Option<(u64, tokio::task::JoinHandle<io::Result<Bytes>>)>>,
}

fn to_io(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

/// Runs `future` on the runtime in the background, when there is one (from `Drop`).
fn in_background(future: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(future);
    }
}

impl ObjectBlobs {
    /// Connects to the bucket of `settings` (no request is made: see [`ObjectBlobs::check`]).
    pub fn open(settings: &S3Storage) -> io::Result<ObjectBlobs> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            // Path-style addressing (`endpoint/bucket/key`), which every self-hosted server takes.
            .with_virtual_hosted_style_request(false)
            // Failures are retried a few times only, so that a store whose object store is down
            // says so within seconds.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(key) = &settings.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        // Every request is bounded in time, so that an object store that stops answering fails
        // the request (and frees what it holds, such as a blob's row lock) instead of hanging it;
        // except a streamed download, which runs at its client's pace for as long as that takes,
        // and a server-side copy, bounded by its own limit.
        let options = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_allow_http(settings.allow_http);
        let store = builder
            .clone()
            .with_client_options(options.clone().with_timeout(REQUEST_TIME_LIMIT))
            .build()
            .map_err(io::Error::other)?;
        let streaming = builder
            .with_client_options(options.with_timeout_disabled())
            .build()
            .map_err(io::Error::other)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(io::Error::other)?;
        Ok(ObjectBlobs {
            store: Arc::new(store),
            streaming: Arc::new(streaming),
            http,
            prefix: settings.prefix.clone(),
            description: settings.to_string(),
        })
    }

    /// Where the blobs are, for logs.
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn key(&self, rest: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(rest)
        } else {
            Key::from(format!("{}/{rest}", self.prefix))
        }
    }

    /// The key of the media file `file` (`media/ab/<file>`, as in the local folder).
    fn media_key(&self, file: &str) -> Key {
        self.key(&format!("media/{}/{file}", &file[..2]))
    }

    fn blob_key(&self, sha256: &str) -> Key {
        self.key(&format!(
            "blobs/{}/{}/{sha256}",
            &sha256[..2],
            &sha256[2..4]
        ))
    }

    /// Copies `from` to `to` inside the bucket (a server-side copy, which for a large object can
    /// take a while, though never for ever: [`COPY_TIME_LIMIT`]).
    async fn copy(&self, from: &Key, to: &Key) -> io::Result<()> {
        match tokio::time::timeout(COPY_TIME_LIMIT, self.streaming.copy(from, to)).await {
            Ok(copied) => copied.map_err(to_io),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("copying {from} took over {} s", COPY_TIME_LIMIT.as_secs()),
            )),
        }
    }

    /// Starts a multipart upload of a new temporary object.
    pub async fn create_temp(&self) -> io::Result<ObjectTemp> {
        let key = self.key(&format!("tmp/upload-{}", uuid::Uuid::now_v7().simple()));
        let upload = self.store.put_multipart(&key).await.map_err(to_io)?;
        Ok(ObjectTemp {
            store: self.store.clone(),
            key,
            upload: Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)),
        })
    }

    /// Copies a written object into place as the blob `sha256` (unless an identical blob is
    /// there already), then deletes the temporary object.
    pub async fn commit(&self, mut written: ObjectWritten, sha256: &str) -> io::Result<()> {
        let target = self.blob_key(sha256);
        match self.store.head(&target).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => self.copy(&written.key, &target).await?,
            Err(e) => return Err(to_io(e)),
        }
        written.deleted = true;
        if let Err(error) = self.store.delete(&written.key).await {
            tracing::warn!(key = %written.key, %error, "a temporary object stays until the next sweep");
        }
        Ok(())
    }

    /// Moves the blob `sha256` out of place (S3 has no rename: a copy, then a delete) before its
    /// removal is committed; `None` when it is gone. Like the local rename, this happens while
    /// the caller holds the blob's row lock, so an identical upload waiting on that lock finds
    /// the blob gone and puts its own copy in place, which the removal then cannot touch.
    pub async fn detach(&self, sha256: &str) -> io::Result<Option<ObjectDetached>> {
        let original = self.blob_key(sha256);
        let parked = self.key(&format!("tmp/removed-{}", uuid::Uuid::now_v7().simple()));
        match self.copy(&original, &parked).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
        if let Err(error) = self.store.delete(&original).await {
            delete_quietly(&self.store, &parked).await;
            return Err(to_io(error));
        }
        Ok(Some(ObjectDetached {
            store: self.store.clone(),
            original,
            parked,
        }))
    }

    /// A reader of the blob `sha256` of `size` bytes.
    pub fn reader(&self, sha256: &str, size: u64) -> ObjectReader {
        ObjectReader::new(self.store.clone(), self.blob_key(sha256), size)
    }

    /// `length` bytes of the blob `sha256` from `start`, as they arrive.
    pub async fn read_range(
        &self,
        sha256: &str,
        start: u64,
        length: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..start + length)),
            ..GetOptions::default()
        };
        let found = self
            .streaming
            .get_opts(&self.blob_key(sha256), options)
            .await
            .map_err(to_io)?;
        Ok(found.into_stream().map_err(to_io).boxed())
    }

    /// A URL that lets its holder `GET` the blob `sha256` for `valid_for`, saved as `filename`.
    pub async fn signed_download(
        &self,
        sha256: &str,
        valid_for: Duration,
        filename: &str,
    ) -> io::Result<url::Url> {
        let options = SignedUrlOptions::new().with_query([(
            "response-content-disposition",
            format!("attachment; filename=\"{filename}\""),
        )]);
        self.store
            .signed_url_opts(
                http::Method::GET,
                &self.blob_key(sha256),
                valid_for,
                &options,
            )
            .await
            .map_err(to_io)
    }

    /// Stores the media file `file` (`<hash>.<ext>`, checked by the caller) unless it is there.
    /// A single `PUT` is atomic: a reader never sees half an object.
    pub async fn put_media(&self, file: &str, bytes: &[u8]) -> io::Result<()> {
        let key = self.media_key(file);
        match self.store.head(&key).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => self
                .store
                .put(&key, Bytes::copy_from_slice(bytes).into())
                .await
                .map(|_| ())
                .map_err(to_io),
            Err(e) => Err(to_io(e)),
        }
    }

    /// The media file `file`, or `None` when there is none.
    pub async fn read_media(&self, file: &str) -> io::Result<Option<Bytes>> {
        let key = self.media_key(file);
        match self.store.get(&key).await {
            Ok(found) => found.bytes().await.map(Some).map_err(to_io),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(to_io(e)),
        }
    }

    /// Whether the bucket answers with these credentials: lists the prefix.
    pub async fn check(&self) -> io::Result<()> {
        self.store
            .list_with_delimiter(Some(&self.key("blobs")))
            .await
            .map(|_| ())
            .map_err(to_io)
    }

    /// Deletes the temporary objects older than `age`, and aborts the multipart uploads of
    /// temporary objects begun before then (those of a process that died mid-upload, which no
    /// listing shows); returns how many of both.
    pub async fn sweep_temp(&self, age: Duration) -> io::Result<usize> {
        let cutoff = std::time::SystemTime::now() - age;
        let mut removed = 0;
        for upload in self.pending_uploads().await? {
            if upload.initiated < cutoff {
                self.abort_upload(&upload).await?;
                removed += 1;
            }
        }
        let stale: Vec<Key> = self
            .store
            .list(Some(&self.key("tmp")))
            .try_filter(|meta| {
                std::future::ready(std::time::SystemTime::from(meta.last_modified) < cutoff)
            })
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(to_io)?;
        for key in &stale {
            match self.store.delete(key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(to_io(e)),
            }
        }
        Ok(removed + stale.len())
    }

    /// The multipart uploads of temporary objects not yet completed or aborted. `object_store`
    /// has no call for S3's `ListMultipartUploads`, so it is sent here, as a request presigned by
    /// `object_store` (the credentials stay in one place) and read with `quick-xml`.
    pub async fn pending_uploads(&self) -> io::Result<Vec<PendingUpload>> {
        let prefix = format!("{}/", self.key("tmp"));
        let mut found = Vec::new();
        let mut markers: Option<(String, String)> = None;
        // A page holds up to 1,000 uploads; 100 pages is more than any store leaves behind.
        for _ in 0..100 {
            let mut query = vec![
                ("uploads".to_string(), String::new()),
                ("prefix".to_string(), prefix.clone()),
            ];
            if let Some((key, id)) = &markers {
                query.push(("key-marker".into(), key.clone()));
                query.push(("upload-id-marker".into(), id.clone()));
            }
            let url = self
                .store
                .signed_url_opts(
                    http::Method::GET,
                    &Key::from(""),
                    Duration::from_secs(60),
                    &SignedUrlOptions::new().with_query(query),
                )
                .await
                .map_err(to_io)?;
            let text = self.send(reqwest::Method::GET, url).await?;
            let page: ListMultipartUploads = quick_xml::de::from_str(&text).map_err(|e| {
                io::Error::other(format!("unreadable ListMultipartUploads answer: {e}"))
            })?;
            for upload in page.uploads {
                let initiated = time::OffsetDateTime::parse(
                    &upload.initiated,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|e| {
                    io::Error::other(format!("upload date {:?}: {e}", upload.initiated))
                })?;
                found.push(PendingUpload {
                    key: upload.key,
                    upload_id: upload.upload_id,
                    initiated: initiated.into(),
                });
            }
            match (
                page.is_truncated,
                page.next_key_marker,
                page.next_upload_id_marker,
            ) {
                (true, Some(key), Some(id)) => markers = Some((key, id)),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Aborts a multipart upload (S3's `AbortMultipartUpload`), releasing its parts.
    async fn abort_upload(&self, upload: &PendingUpload) -> io::Result<()> {
        let url = self
            .store
            .signed_url_opts(
                http::Method::DELETE,
                &Key::from(upload.key.as_str()),
                Duration::from_secs(60),
                &SignedUrlOptions::new().with_query([("uploadId", upload.upload_id.as_str())]),
            )
            .await
            .map_err(to_io)?;
        match self.send(reqwest::Method::DELETE, url).await {
            Ok(_) => Ok(()),
            // Aborted meanwhile (by another instance's sweep, or the upload itself).
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sends a presigned request and returns its body; an error unless it succeeds.
    async fn send(&self, method: reqwest::Method, url: url::Url) -> io::Result<String> {
        let response = self
            .http
            .request(method, url)
            .send()
            .await
            .map_err(io::Error::other)?;
        let status = response.status();
        let text = response.text().await.map_err(io::Error::other)?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(io::Error::other(format!(
                "the object store answered {status}: {text}"
            )))
        }
    }

    async fn names(&self, under: &str) -> io::Result<Vec<String>> {
        self.store
            .list(Some(&self.key(under)))
            .map_ok(|meta| meta.location.filename().unwrap_or_default().to_string())
            .try_collect()
            .await
            .map_err(to_io)
    }

    /// The names of the temporary objects.
    pub async fn temp_files(&self) -> io::Result<Vec<String>> {
        self.names("tmp").await
    }

    /// The hashes of the stored blobs.
    pub async fn blob_files(&self) -> io::Result<Vec<String>> {
        self.names("blobs").await
    }
}

impl std::fmt::Debug for ObjectTemp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectTemp")
            .field("key", &self.key)
            .finish()
    }
}

impl ObjectTemp {
    /// Appends bytes, waiting while too many parts are in flight.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let upload = self
            .upload
            .as_mut()
            .ok_or_else(|| io::Error::other("upload already finished"))?;
        upload
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(to_io)?;
        upload.write(bytes);
        Ok(())
    }

    /// Completes the multipart upload.
    pub async fn finish(mut self) -> io::Result<ObjectWritten> {
        let upload = self
            .upload
            .take()
            .ok_or_else(|| io::Error::other("upload already finished"))?;
        // A failed completion aborts the upload itself, releasing the parts sent.
        upload.finish().await.map_err(to_io)?;
        Ok(ObjectWritten {
            store: self.store.clone(),
            key: self.key.clone(),
            deleted: false,
        })
    }
}

/// Deletes the object `key` if it is there, logging a failure (clean-up that must not fail a request).
async fn delete_quietly(store: &AmazonS3, key: &Key) {
    match store.delete(key).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(error) => tracing::warn!(%key, %error, "cannot delete a failed upload's object"),
    }
}

impl Drop for ObjectTemp {
    fn drop(&mut self) {
        // An upload that failed half-way leaves nothing behind: its parts are released.
        if let Some(upload) = self.upload.take() {
            let key = self.key.clone();
            in_background(async move {
                if let Err(error) = upload.abort().await {
                    tracing::warn!(%key, %error, "cannot abort a multipart upload");
                }
            });
        }
    }
}

impl ObjectWritten {
    /// Deletes the temporary object now.
    pub async fn discard(mut self) {
        self.deleted = true;
        delete_quietly(&self.store, &self.key).await;
    }

    /// A reader of the written object.
    pub fn reader(&self, size: u64) -> ObjectReader {
        ObjectReader::new(self.store.clone(), self.key.clone(), size)
    }
}

impl Drop for ObjectWritten {
    fn drop(&mut self) {
        if !self.deleted {
            let (store, key) = (self.store.clone(), self.key.clone());
            in_background(async move { delete_quietly(&store, &key).await });
        }
    }
}

impl ObjectDetached {
    /// Deletes the parked object for good (its removal was committed).
    pub async fn discard(self) -> io::Result<()> {
        self.store.delete(&self.parked).await.map_err(to_io)
    }

    /// Puts the object back where it was (its removal was not committed).
    pub async fn restore(self) -> io::Result<()> {
        self.store
            .copy(&self.parked, &self.original)
            .await
            .map_err(to_io)?;
        delete_quietly(&self.store, &self.parked).await;
        Ok(())
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        if let Ok(mut ahead) = self.ahead.lock() {
            if let Some((_, task)) = ahead.take() {
                task.abort();
            }
        }
    }
}

impl ObjectReader {
    fn new(store: Arc<AmazonS3>, key: Key, size: u64) -> ObjectReader {
        ObjectReader {
            store,
            key,
            size,
            cache: Mutex::new(VecDeque::with_capacity(CACHED_BLOCKS)),
            ahead: Mutex::new(None),
        }
    }

    /// The object's size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Exactly `len` bytes from `offset`.
    pub async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&end| end <= self.size)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("range {offset}+{len} is past the end ({} bytes)", self.size),
                )
            })?;
        if len as u64 > BLOCK {
            let bytes = self
                .store
                .get_range(&self.key, offset..end)
                .await
                .map_err(to_io)?;
            return Ok(bytes.to_vec());
        }
        let mut out = Vec::with_capacity(len);
        let mut at = offset;
        while at < end {
            let index = at / BLOCK;
            let block = self.block(index).await?;
            let from = (at - index * BLOCK) as usize;
            let take = (block.len() - from).min((end - at) as usize);
            if take == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the object is shorter than its recorded size",
                ));
            }
            out.extend_from_slice(&block[from..from + take]);
            at += take as u64;
        }
        Ok(out)
    }

    /// Block `index`, from the cache, the read-ahead or the store; starts fetching the next one.
    async fn block(&self, index: u64) -> io::Result<Bytes> {
        let poisoned = || io::Error::other("reader cache poisoned");
        let cached = self
            .cache
            .lock()
            .map_err(|_| poisoned())?
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, block)| block.clone());
        if let Some(block) = cached {
            return Ok(block);
        }
        let ahead = {
            let mut ahead = self.ahead.lock().map_err(|_| poisoned())?;
            match ahead.take() {
                Some((i, task)) if i == index => Some(task),
                Some((_, task)) => {
                    task.abort(); // a jump elsewhere: that block is not wanted
                    None
                }
                None => None,
            }
        };
        let block = match ahead {
            Some(task) => task.await.map_err(io::Error::other)??,
            None => self.fetch(index).await?,
        };
        if (index + 1) * BLOCK < self.size {
            let (store, key) = (self.store.clone(), self.key.clone());
            let range = ObjectReader::range(index + 1, self.size);
            let task =
                tokio::spawn(async move { store.get_range(&key, range).await.map_err(to_io) });
            *self.ahead.lock().map_err(|_| poisoned())? = Some((index + 1, task));
        }
        let mut cache = self.cache.lock().map_err(|_| poisoned())?;
        if cache.len() == CACHED_BLOCKS {
            cache.pop_front();
        }
        cache.push_back((index, block.clone()));
        Ok(block)
    }

    /// The byte range of block `index` of an object of `size` bytes.
    fn range(index: u64, size: u64) -> std::ops::Range<u64> {
        let start = index * BLOCK;
        start..(start + BLOCK).min(size)
    }

    /// Block `index`, from the store.
    async fn fetch(&self, index: u64) -> io::Result<Bytes> {
        self.store
            .get_range(&self.key, ObjectReader::range(index, self.size))
            .await
            .map_err(to_io)
    }
}
