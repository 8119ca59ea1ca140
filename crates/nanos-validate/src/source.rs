//! Where the validator reads bytes from: a small ranged-read interface.
//!
//! The validator asks for byte ranges and never for the whole archive, so the browser can read a
//! `File` with `Blob.slice` and the server a file on disk, through the same code.

use std::future::Future;
use std::io;

/// A random-access source of bytes of known size.
pub trait ByteSource {
    /// Total size in bytes.
    fn size(&self) -> u64;

    /// Exactly `len` bytes starting at `offset`; an error if the range is out of bounds.
    fn read_at(&self, offset: u64, len: usize) -> impl Future<Output = io::Result<Vec<u8>>>;
}

fn out_of_bounds(offset: u64, len: usize, size: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("range {offset}+{len} is past the end ({size} bytes)"),
    )
}

/// Bytes in memory (tests, fuzzing, small uploads).
impl ByteSource for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let start = usize::try_from(offset).map_err(|_| out_of_bounds(offset, len, self.size()))?;
        start
            .checked_add(len)
            .and_then(|end| self.get(start..end))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| out_of_bounds(offset, len, self.size()))
    }
}

/// A file on disk, read with positioned reads (native builds).
#[cfg(unix)]
pub struct FileSource {
    file: std::fs::File,
    size: u64,
}

#[cfg(unix)]
impl FileSource {
    /// Opens `path` for validation.
    pub fn open(path: &std::path::Path) -> io::Result<FileSource> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        Ok(FileSource { file, size })
    }
}

#[cfg(unix)]
impl ByteSource for FileSource {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        if offset
            .checked_add(len as u64)
            .is_none_or(|end| end > self.size)
        {
            return Err(out_of_bounds(offset, len, self.size));
        }
        let mut buffer = vec![0; len];
        self.file.read_exact_at(&mut buffer, offset)?;
        Ok(buffer)
    }
}

/// A `Blob` (a `File` from a file picker or a drop) in the browser, read slice by slice.
#[cfg(feature = "wasm")]
pub struct BlobSource {
    blob: web_sys::Blob,
}

#[cfg(feature = "wasm")]
impl BlobSource {
    /// Wraps a browser `Blob`.
    pub fn new(blob: web_sys::Blob) -> BlobSource {
        BlobSource { blob }
    }
}

#[cfg(feature = "wasm")]
impl ByteSource for BlobSource {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let js_error = |e: wasm_bindgen::JsValue| io::Error::other(format!("{e:?}"));
        let end = offset + len as u64;
        if end > self.size() {
            return Err(out_of_bounds(offset, len, self.size()));
        }
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(js_error)?;
        let buffer = wasm_bindgen_futures::JsFuture::from(slice.array_buffer())
            .await
            .map_err(js_error)?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}

/// Runs a validator future to completion on the current thread, for sources whose reads complete
/// at once (memory, files). Not for browser sources, which need the JavaScript event loop.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}
