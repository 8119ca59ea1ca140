//! Resource images and the README: icons (from a release's `Package.jpg` / `Assets.jpg`, or
//! uploaded), screenshot galleries, and the README.md shown while a resource has no description.
//!
//! What a release's zip brings is taken when it is uploaded and kept with that release
//! (`release_media`); pages use the newest public release's, so a draft's image or README never
//! shows before it is published. An icon a team member uploads comes first.
//!
//! **Images are checked before they are decoded.** Only JPEG, PNG and WebP are taken, recognised
//! by their bytes (not by a name or a declared type), at most [`MAX_IMAGE_BYTES`] bytes and
//! [`MAX_IMAGE_SIDE`] pixels a side, [`MAX_IMAGE_PIXELS`] pixels in all, read from the header before
//! any pixel is decoded, and decoded under an allocation limit: a small file that claims huge
//! dimensions (a decompression bomb) is refused without being decoded.
//!
//! **Stored as the pages use them.** Every image is re-encoded at the sizes the pages show (icons
//! 64 and 128 px square PNGs; screenshots at most 1280 px wide and a 400 px thumbnail, JPEG), so no
//! uploaded byte is ever served, and stored content-addressed under the data dir
//! (`media/ab/<sha256>.<ext>`). Their addresses (`/media/<sha256>.<ext>`) never change meaning, so
//! they are served with a one-year immutable cache lifetime. Files no row refers to any more stay
//! (they are small, and may be shared by other resources).

use std::io::{self, Cursor};

use image::{DynamicImage, ImageFormat};
use sha2::{Digest, Sha256};

use super::images::url;
use super::service::{authorize, Resource};
use super::{Icon, ReleaseInfo, Screenshot};
use crate::db::{new_id, Pool};
use crate::error::{AppError, ErrorCode};
use crate::markdown;
use crate::storage::{BlobReader, BlobStore};
use crate::teams::service::Actor;
use crate::validate::archive::{self, Entry};
use crate::validate::{Kind, Limits};

/// Largest image file taken, in bytes.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;
/// Longest side of an image taken, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// Most pixels an image taken may have (width × height).
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// Most screenshots per resource.
pub const MAX_SCREENSHOTS: i64 = 8;
/// Longest screenshot caption, in characters.
pub const CAPTION_MAX: usize = 200;
/// The icon sizes, in pixels (square).
pub const ICON_SIZES: (u32, u32) = (64, 128);
/// The widest a screenshot is shown, in pixels.
pub const SCREENSHOT_WIDTH: u32 = 1280;
/// A screenshot thumbnail's width, in pixels.
pub const THUMBNAIL_WIDTH: u32 = 400;

/// Stored image files, named by the SHA-256 of their bytes, kept by the blob store (under `media/`
/// of the local folder or the bucket).
#[derive(Debug, Clone)]
pub struct MediaStore {
    blobs: BlobStore,
}

/// An encoded image, ready to store.
struct Encoded {
    bytes: Vec<u8>,
    extension: &'static str,
    width: u32,
    height: u32,
}

impl MediaStore {
    /// The images kept by `blobs`.
    pub fn new(blobs: &BlobStore) -> MediaStore {
        MediaStore {
            blobs: blobs.clone(),
        }
    }

    /// The content type of a stored file's name; `None` for a name the store never makes.
    pub fn content_type(file: &str) -> Option<&'static str> {
        let (hash, extension) = file.split_once('.')?;
        let content_type = match extension {
            "png" => "image/png",
            "jpg" => "image/jpeg",
            _ => return None,
        };
        let hex = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        hex.then_some(content_type)
    }

    /// A stored file and its content type; `None` when the name is not one the store makes or
    /// no such file is stored.
    pub async fn read(&self, file: &str) -> io::Result<Option<(bytes::Bytes, &'static str)>> {
        let Some(content_type) = MediaStore::content_type(file) else {
            return Ok(None);
        };
        Ok(self
            .blobs
            .read_media(file)
            .await?
            .map(|bytes| (bytes, content_type)))
    }

    /// Stores an encoded image (once per content) and returns its file name.
    async fn put(&self, image: &Encoded) -> io::Result<String> {
        let file = format!(
            "{}.{}",
            hex::encode(Sha256::digest(&image.bytes)),
            image.extension
        );
        self.blobs.put_media(&file, &image.bytes).await?;
        Ok(file)
    }
}

fn not_an_image() -> AppError {
    AppError::field(
        ErrorCode::NotAnImage,
        "file",
        "This file is not an image the store takes: use a JPEG, PNG or WebP image.",
    )
}

fn too_large_image() -> AppError {
    AppError::field(
        ErrorCode::ImageTooLarge,
        "file",
        format!(
            "This image is too large: at most {} MiB, {MAX_IMAGE_SIDE} pixels a side and {} megapixels.",
            MAX_IMAGE_BYTES / (1024 * 1024),
            MAX_IMAGE_PIXELS / 1_000_000
        ),
    )
}

/// Decodes an image within the limits of the module documentation.
fn decode(bytes: &[u8]) -> Result<DynamicImage, AppError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(too_large_image());
    }
    let reader = || -> Result<image::ImageReader<Cursor<&[u8]>>, AppError> {
        let reader = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| not_an_image())?;
        match reader.format() {
            Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => Ok(reader),
            _ => Err(not_an_image()),
        }
    };
    let (width, height) = reader()?.into_dimensions().map_err(|_| not_an_image())?;
    if width == 0 || height == 0 {
        return Err(not_an_image());
    }
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(too_large_image());
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4 + 64 * 1024 * 1024);
    let mut reader = reader()?;
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large_image(),
        _ => not_an_image(),
    })
}

fn encode_png(image: &DynamicImage) -> Result<Encoded, AppError> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .map_err(|e| AppError::Internal(format!("cannot encode an image: {e}")))?;
    Ok(Encoded {
        bytes,
        extension: "png",
        width: image.width(),
        height: image.height(),
    })
}

fn encode_jpeg(image: &DynamicImage) -> Result<Encoded, AppError> {
    let rgb = image.to_rgb8();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&rgb)
        .map_err(|e| AppError::Internal(format!("cannot encode an image: {e}")))?;
    Ok(Encoded {
        bytes,
        extension: "jpg",
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// An icon at both sizes: the middle square of the image, scaled.
fn icon_sizes(bytes: &[u8]) -> Result<[Encoded; 2], AppError> {
    let image = decode(bytes)?;
    let scaled =
        |side| encode_png(&image.resize_to_fill(side, side, image::imageops::FilterType::Lanczos3));
    Ok([scaled(ICON_SIZES.0)?, scaled(ICON_SIZES.1)?])
}

/// A screenshot at most [`SCREENSHOT_WIDTH`] wide (never enlarged), and its thumbnail.
fn screenshot_sizes(bytes: &[u8]) -> Result<[Encoded; 2], AppError> {
    let image = decode(bytes)?;
    let fit = |width: u32| {
        if image.width() <= width {
            image.clone()
        } else {
            image.resize(width, u32::MAX, image::imageops::FilterType::Lanczos3)
        }
    };
    Ok([
        encode_jpeg(&fit(SCREENSHOT_WIDTH))?,
        encode_jpeg(&fit(THUMBNAIL_WIDTH))?,
    ])
}

/// Runs image work on the blocking pool.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("image work failed: {e}")))?
}

/// Makes and stores both sizes of an icon; returns their file names.
async fn store_icon(media: &MediaStore, bytes: Vec<u8>) -> Result<(String, String), AppError> {
    let [small, large] = off_thread(move || icon_sizes(&bytes)).await?;
    let io = |e: io::Error| AppError::Internal(format!("cannot store an image: {e}"));
    Ok((
        media.put(&small).await.map_err(io)?,
        media.put(&large).await.map_err(io)?,
    ))
}

/// Sets a resource's icon from an uploaded image (developer or above); it comes before any
/// release's image.
pub async fn set_icon(
    pool: &Pool,
    media: &MediaStore,
    actor: Actor<'_>,
    resource: &Resource,
    bytes: Vec<u8>,
) -> Result<Icon, AppError> {
    authorize(pool, actor, &resource.team_id, "change the icon").await?;
    let (small, large) = store_icon(media, bytes).await?;
    sqlx::query("UPDATE resources SET icon_small = $1, icon_large = $2 WHERE id = $3")
        .bind(&small)
        .bind(&large)
        .bind(&resource.id)
        .execute(pool)
        .await?;
    Ok(Icon {
        small: url(&small),
        large: url(&large),
    })
}

/// Removes a resource's uploaded icon (developer or above); the latest release's image, if any,
/// shows again.
pub async fn remove_icon(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
) -> Result<(), AppError> {
    authorize(pool, actor, &resource.team_id, "change the icon").await?;
    sqlx::query("UPDATE resources SET icon_small = NULL, icon_large = NULL WHERE id = $1")
        .bind(&resource.id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A screenshot row: its stored image files by hash.
#[derive(Debug, sqlx::FromRow)]
struct ScreenshotRow {
    id: String,
    caption: String,
    image: String,
    thumbnail: String,
    width: i64,
    height: i64,
}

/// A resource's screenshots, in order.
pub async fn screenshots(pool: &Pool, resource: &Resource) -> Result<Vec<Screenshot>, AppError> {
    let rows: Vec<ScreenshotRow> = sqlx::query_as(
        "SELECT id, caption, image, thumbnail, width, height FROM resource_screenshots \
         WHERE resource_id = $1 ORDER BY position, created_at",
    )
    .bind(&resource.id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Screenshot {
            id: row.id,
            caption: row.caption,
            url: url(&row.image),
            thumbnail_url: url(&row.thumbnail),
            width: row.width,
            height: row.height,
        })
        .collect())
}

/// Adds a screenshot at the end of the gallery (developer or above).
pub async fn add_screenshot(
    pool: &Pool,
    media: &MediaStore,
    actor: Actor<'_>,
    resource: &Resource,
    bytes: Vec<u8>,
    caption: &str,
    now: i64,
) -> Result<Screenshot, AppError> {
    authorize(pool, actor, &resource.team_id, "change screenshots").await?;
    let caption = caption.trim();
    if caption.chars().count() > CAPTION_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidCaption,
            "caption",
            format!("A caption has at most {CAPTION_MAX} characters."),
        ));
    }
    let full = || AppError::Conflict {
        code: ErrorCode::TooManyScreenshots,
        field: None,
        message: format!("A resource has at most {MAX_SCREENSHOTS} screenshots: remove one first."),
    };
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM resource_screenshots WHERE resource_id = $1")
            .bind(&resource.id)
            .fetch_one(pool)
            .await?;
    if count >= MAX_SCREENSHOTS {
        return Err(full());
    }
    let [image, thumbnail] = off_thread(move || screenshot_sizes(&bytes)).await?;
    let io = |e: io::Error| AppError::Internal(format!("cannot store an image: {e}"));
    let shot = Screenshot {
        id: new_id(),
        caption: caption.to_string(),
        url: url(&media.put(&image).await.map_err(io)?),
        thumbnail_url: url(&media.put(&thumbnail).await.map_err(io)?),
        width: i64::from(image.width),
        height: i64::from(image.height),
    };
    let mut tx = pool.begin().await?;
    let (last,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(position) FROM resource_screenshots WHERE resource_id = $1")
            .bind(&resource.id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO resource_screenshots (id, resource_id, position, caption, image, thumbnail, width, height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&shot.id)
    .bind(&resource.id)
    .bind(last.map_or(0, |p| p + 1))
    .bind(&shot.caption)
    .bind(shot.url.trim_start_matches("/media/"))
    .bind(shot.thumbnail_url.trim_start_matches("/media/"))
    .bind(shot.width)
    .bind(shot.height)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM resource_screenshots WHERE resource_id = $1")
            .bind(&resource.id)
            .fetch_one(&mut *tx)
            .await?;
    if count > MAX_SCREENSHOTS {
        return Err(full()); // two uploads at once: the transaction rolls back
    }
    tx.commit().await?;
    Ok(shot)
}

async fn find_screenshot(
    pool: &Pool,
    resource: &Resource,
    id: &str,
) -> Result<(String, i64), AppError> {
    sqlx::query_as(
        "SELECT id, position FROM resource_screenshots WHERE id = $1 AND resource_id = $2",
    )
    .bind(id)
    .bind(&resource.id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("{} has no such screenshot.", resource.name)))
}

/// Removes a screenshot (developer or above).
pub async fn remove_screenshot(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
    id: &str,
) -> Result<(), AppError> {
    authorize(pool, actor, &resource.team_id, "change screenshots").await?;
    let (id, _) = find_screenshot(pool, resource, id).await?;
    sqlx::query("DELETE FROM resource_screenshots WHERE id = $1")
        .bind(&id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Moves a screenshot one place earlier (`earlier`) or later in the gallery (developer or above).
pub async fn move_screenshot(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
    id: &str,
    earlier: bool,
) -> Result<(), AppError> {
    authorize(pool, actor, &resource.team_id, "change screenshots").await?;
    find_screenshot(pool, resource, id).await?;
    let mut order: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM resource_screenshots WHERE resource_id = $1 ORDER BY position, created_at",
    )
    .bind(&resource.id)
    .fetch_all(pool)
    .await?;
    let Some(at) = order.iter().position(|(row,)| row == id) else {
        return Ok(());
    };
    let other = if earlier {
        at.checked_sub(1)
    } else {
        Some(at + 1)
    };
    let Some(other) = other.filter(|&o| o < order.len()) else {
        return Ok(()); // already first or last
    };
    order.swap(at, other);
    let mut tx = pool.begin().await?;
    for (position, (row,)) in order.iter().enumerate() {
        sqlx::query("UPDATE resource_screenshots SET position = $1 WHERE id = $2")
            .bind(position as i64)
            .bind(row)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a release's zip holds for the resource page: its image and README.
#[derive(Debug, Default)]
struct ZipMedia {
    image: Option<Vec<u8>>,
    readme: Option<String>,
}

/// Reads `Package.jpg` / `Assets.jpg` and `README.md` beside the manifest (the zip's root), each
/// within its size limit; what is missing, too large or unreadable is left out.
async fn read_zip_media(source: &BlobReader, kind: Kind) -> io::Result<ZipMedia> {
    {
        let directory = match archive::read_central_directory(source, &Limits::default()).await {
            Ok(directory) => directory,
            Err(archive::ArchiveError::Io(e)) => return Err(e),
            Err(_) => return Ok(ZipMedia::default()),
        };
        let limits = archive::data_limits(&directory);
        let image_name = match kind {
            Kind::Package => "package.jpg",
            Kind::AssetPack => "assets.jpg",
        };
        let at_root = |entry: &Entry, wanted: &str| {
            entry
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        };
        let mut found = ZipMedia::default();
        for (index, entry) in directory.entries.iter().enumerate() {
            if at_root(entry, image_name) && found.image.is_none() {
                found.image = crate::validate::inflate::read_entry(
                    source,
                    entry,
                    limits[index],
                    MAX_IMAGE_BYTES as u64,
                )
                .await
                .ok();
            } else if at_root(entry, "readme.md") && found.readme.is_none() {
                found.readme = crate::validate::inflate::read_entry(
                    source,
                    entry,
                    limits[index],
                    markdown::MAX_SOURCE_BYTES as u64,
                )
                .await
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            }
        }
        Ok(found)
    }
}

/// After a release is stored: keeps its image (as an icon) and its README (rendered) with the
/// release, for the pages to show once it is public. Nothing here can fail the upload: an image
/// that is not one, or a README over the Markdown limits, is logged and left out.
pub async fn take_from_release(
    pool: &Pool,
    blobs: &BlobStore,
    media: &MediaStore,
    resource: &Resource,
    release: &ReleaseInfo,
) {
    let warn = |what: &str, error: &dyn std::fmt::Display| {
        tracing::warn!(%error, resource = %resource.name, version = %release.version, "{what}");
    };
    let kind = resource.kind;
    let read = async {
        blobs
            .reader(&release.sha256, release.size as u64)
            .await?
            .run_blocking(async move |source| read_zip_media(source, kind).await)
            .await?
    };
    let found = match read.await {
        Ok(found) => found,
        Err(error) => return warn("cannot read a release's images", &error),
    };
    let icon = match found.image {
        Some(bytes) => match store_icon(media, bytes).await {
            Ok(files) => Some(files),
            Err(error) => {
                warn("the release's image was not taken as an icon", &error);
                None
            }
        },
        None => None,
    };
    let readme = match found.readme {
        Some(text) => match markdown::render_off_thread(text).await {
            Ok(html) => Some(html),
            Err(error) => {
                warn("the release's README was not taken", &error);
                None
            }
        },
        None => None,
    };
    if icon.is_none() && readme.is_none() {
        return;
    }
    let (small, large) = icon.unzip();
    let stored = sqlx::query(
        "INSERT INTO release_media (release_id, icon_small, icon_large, readme_html) \
         SELECT id, $1, $2, $3 FROM releases WHERE resource_id = $4 AND version = $5",
    )
    .bind(small)
    .bind(large)
    .bind(readme)
    .bind(&resource.id)
    .bind(&release.version)
    .execute(pool)
    .await;
    if let Err(error) = stored {
        warn("cannot keep a release's image and README", &error);
    }
}

/// The README shown while a resource has no description: its newest public release's (not taken
/// down), rendered.
pub async fn readme_html(pool: &Pool, resource: &Resource) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT m.readme_html FROM release_media m JOIN releases l ON l.id = m.release_id \
         WHERE l.resource_id = $1 AND l.state = 'published' AND l.channel <> 'private' AND l.takedown IS NULL \
         AND m.readme_html IS NOT NULL \
         ORDER BY l.version_major DESC, l.version_minor DESC, l.version_patch DESC LIMIT 1",
    )
    .bind(&resource.id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(html,)| html))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::new(width, height));
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn icons_are_square_at_both_sizes() {
        let [small, large] = icon_sizes(&png(300, 150)).unwrap();
        assert_eq!((small.width, small.height), (64, 64));
        assert_eq!((large.width, large.height), (128, 128));
        assert_eq!(&large.bytes[1..4], b"PNG");
    }

    #[test]
    fn screenshots_are_scaled_down_never_up() {
        let [full, thumb] = screenshot_sizes(&png(2560, 1440)).unwrap();
        assert_eq!((full.width, full.height), (1280, 720));
        assert_eq!((thumb.width, thumb.height), (400, 225));
        let [full, _] = screenshot_sizes(&png(800, 600)).unwrap();
        assert_eq!((full.width, full.height), (800, 600));
    }

    #[test]
    fn non_images_and_bombs_are_refused() {
        let refused = icon_sizes(b"<svg onload=alert(1)>").err().unwrap();
        assert_eq!(refused.body().code, ErrorCode::NotAnImage);
        // A PNG header that claims 100000 x 100000 pixels, in a few dozen bytes.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let refused = icon_sizes(&bomb).err().unwrap();
        assert_eq!(refused.body().code, ErrorCode::ImageTooLarge);
    }

    #[test]
    fn only_names_the_store_makes_are_served() {
        let hash = "ab".repeat(32);
        assert_eq!(
            MediaStore::content_type(&format!("{hash}.png")),
            Some("image/png")
        );
        assert_eq!(
            MediaStore::content_type(&format!("{hash}.jpg")),
            Some("image/jpeg")
        );
        assert!(MediaStore::content_type(&format!("{hash}.svg")).is_none());
        assert!(MediaStore::content_type("../../etc/passwd.png").is_none());
        assert!(MediaStore::content_type(&format!("{}.png", "AB".repeat(32))).is_none());
    }
}
