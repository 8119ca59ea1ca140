//! Blob storage: release files, content-addressed by SHA-256, on the local file system under the
//! data dir (`blobs/ab/cd/<sha256>`). Uploads stream into a temporary file (`tmp/`), hashed on the
//! fly, fsynced, then renamed into place; identical uploads share one blob.
//!
//! Each temporary file is held under an exclusive advisory lock (`flock`) for as long as its upload
//! lives, so the sweep at start-up removes only files no live upload owns: those left behind when
//! a process died mid-upload (kill -9, power loss), even while another store process (a command
//! line call, a second server) is writing uploads of its own into the same folder.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

/// The local blob store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    temp: PathBuf,
}

/// A blob being written: bytes go to a temporary file and through the hash.
#[derive(Debug)]
pub struct TempBlob {
    file: File,
    /// `None` once finished: the path then belongs to the [`WrittenBlob`].
    path: Option<PathBuf>,
    hasher: Sha256,
    size: u64,
}

/// A finished temporary blob: its file, hash and size. Dropping it deletes the file.
#[derive(Debug)]
pub struct WrittenBlob {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    kept: bool,
    /// Keeps the temporary file locked (see the module documentation) until it is committed or
    /// deleted.
    _lock: std::fs::File,
}

impl Drop for WrittenBlob {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl BlobStore {
    /// A store under `data_dir`, creating its folders.
    pub fn open(data_dir: &Path) -> io::Result<BlobStore> {
        let store = BlobStore {
            root: data_dir.join("blobs"),
            temp: data_dir.join("tmp"),
        };
        std::fs::create_dir_all(&store.root)?;
        std::fs::create_dir_all(&store.temp)?;
        let removed = store.sweep_temp()?;
        if removed > 0 {
            tracing::info!(
                removed,
                "removed temporary files left by interrupted uploads"
            );
        }
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

    /// Starts a new temporary blob, its file locked for as long as the upload lives.
    pub async fn create_temp(&self) -> io::Result<TempBlob> {
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
        Ok(TempBlob {
            file: File::from_std(file),
            path: Some(path),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Moves a written blob into place, unless an identical blob is already there (then the
    /// temporary file is simply dropped). The caller holds the blob's row lock (see
    /// `resources::releases`), so no removal of the same blob runs at the same time.
    pub async fn commit(&self, mut blob: WrittenBlob) -> io::Result<()> {
        let target = self.path(&blob.sha256);
        if fs::try_exists(&target).await? {
            return Ok(()); // the temporary file goes with `blob`
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await?;
        }
        fs::rename(&blob.path, &target).await?;
        blob.kept = true;
        Ok(())
    }

    /// Takes a blob out of place (into the temporary folder) before its removal is committed to the
    /// database; the returned handle deletes it for good or puts it back. `None` when the file is
    /// already gone.
    pub async fn detach(&self, sha256: &str) -> io::Result<Option<DetachedBlob>> {
        let path = self.path(sha256);
        let parked = self
            .temp
            .join(format!("removed-{}", uuid::Uuid::now_v7().simple()));
        match fs::rename(&path, &parked).await {
            Ok(()) => Ok(Some(DetachedBlob {
                original: path,
                parked,
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Temporary files left by uploads that were interrupted (for tests and clean-up).
    pub fn temp_files(&self) -> io::Result<Vec<PathBuf>> {
        Ok(std::fs::read_dir(&self.temp)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect())
    }

    /// Every stored blob's path (for tests and clean-up).
    pub fn blob_files(&self) -> io::Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)?.filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        Ok(found)
    }
}

/// A blob taken out of place by [`BlobStore::detach`].
#[derive(Debug)]
pub struct DetachedBlob {
    original: PathBuf,
    parked: PathBuf,
}

impl DetachedBlob {
    /// Deletes the file for good (its removal was committed).
    pub async fn discard(self) -> io::Result<()> {
        fs::remove_file(&self.parked).await
    }

    /// Puts the file back where it was (its removal was not committed).
    pub async fn restore(self) -> io::Result<()> {
        fs::rename(&self.parked, &self.original).await
    }
}

impl TempBlob {
    /// Appends bytes.
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.file.write_all(bytes).await
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes and fsyncs the file and returns it with its hash.
    pub async fn finish(mut self) -> io::Result<WrittenBlob> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        // A second handle to the same open file keeps its lock after this `TempBlob` is gone.
        let lock = self.file.try_clone().await?.into_std().await;
        let path = self
            .path
            .take()
            .ok_or_else(|| io::Error::other("blob already finished"))?;
        Ok(WrittenBlob {
            path,
            sha256: hex::encode(self.hasher.clone().finalize()),
            size: self.size,
            kept: false,
            _lock: lock,
        })
    }
}

impl Drop for TempBlob {
    fn drop(&mut self) {
        // An upload that failed half-way leaves nothing behind.
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
