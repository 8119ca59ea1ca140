//! Blobs on the local file system, under the storage folder (`blobs/ab/cd/<sha256>`). Uploads are
//! written to a temporary file (`tmp/`), fsynced, then renamed into place.
//!
//! Each temporary file is held under an exclusive advisory lock (`flock`) for as long as its upload
//! lives, so the sweep at start-up removes only files no live upload owns: those left behind when
//! a process died mid-upload (kill -9, power loss), even while another store process (a command
//! line call, a second server) is writing uploads of its own into the same folder.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

/// Bytes read from a file at a time when streaming it. Large enough that a fast client costs few
/// reads, small enough that 100 downloads at once hold a few tens of MiB.
const CHUNK: usize = 256 * 1024;
/// Largest range read in one go (see [`LocalBlobs::read_range`]).
const WHOLE_AT_ONCE: u64 = 1024 * 1024;

/// The blob folders of a local store.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
    temp: PathBuf,
    media: PathBuf,
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
        Ok(lock.map(|lock| LocalDetached {
            original,
            parked,
            _lock: lock,
        }))
    }

    /// `length` bytes of the blob `sha256` from `start`, read [`CHUNK`] at a time on the blocking
    /// pool as the consumer asks for them. The first chunk is read with the opening, and a range of
    /// at most [`WHOLE_AT_ONCE`] is read whole then: one trip to the blocking pool for a small
    /// download instead of one per chunk.
    pub async fn read_range(
        &self,
        sha256: &str,
        start: u64,
        length: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let path = self.path(sha256);
        let first_length = if length <= WHOLE_AT_ONCE {
            length
        } else {
            CHUNK as u64
        };
        let (file, first) = tokio::task::spawn_blocking(move || {
            let mut file = std::fs::File::open(&path)?;
            file.seek(SeekFrom::Start(start))?;
            let mut chunk = vec![0; first_length as usize];
            file.read_exact(&mut chunk)?;
            Ok::<_, io::Error>((file, chunk))
        })
        .await
        .map_err(io::Error::other)??;
        let first = (!first.is_empty()).then(|| Ok(Bytes::from(first)));
        let rest = futures_util::stream::try_unfold(
            (file, length - first_length),
            |(file, left)| async move {
                if left == 0 {
                    return Ok(None);
                }
                let want = left.min(CHUNK as u64) as usize;
                let (file, chunk) = tokio::task::spawn_blocking(move || {
                    let mut chunk = vec![0; want];
                    let mut file = file;
                    file.read_exact(&mut chunk)?;
                    Ok::<_, io::Error>((file, chunk))
                })
                .await
                .map_err(io::Error::other)??;
                Ok(Some((Bytes::from(chunk), (file, left - want as u64))))
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
