//! Where a resource's stored images are found: their addresses, and the icon of a resource row.
//! Read by the listings and the media services alike (see [`super::media`] for how images are
//! taken and stored).

use super::Icon;

/// The address of a stored image file.
pub fn url(file: &str) -> String {
    format!("/media/{file}")
}

/// The icon of a resource row, when it has both sizes.
pub fn icon(small: Option<String>, large: Option<String>) -> Option<Icon> {
    Some(Icon {
        small: url(&small?),
        large: url(&large?),
    })
}

/// The icon columns of a resource row `r`, `icon_small` then `icon_large`: the uploaded icon, else
/// the image of its newest public release (not taken down) that had one.
pub const ICON_COLUMNS: &str = "COALESCE(r.icon_small, (SELECT m.icon_small FROM release_media m JOIN releases l ON l.id = m.release_id \
       WHERE l.resource_id = r.id AND l.state = 'published' AND l.channel <> 'private' AND l.takedown IS NULL AND m.icon_small IS NOT NULL \
       ORDER BY l.version_major DESC, l.version_minor DESC, l.version_patch DESC LIMIT 1)) AS icon_small, \
     COALESCE(r.icon_large, (SELECT m.icon_large FROM release_media m JOIN releases l ON l.id = m.release_id \
       WHERE l.resource_id = r.id AND l.state = 'published' AND l.channel <> 'private' AND l.takedown IS NULL AND m.icon_large IS NOT NULL \
       ORDER BY l.version_major DESC, l.version_minor DESC, l.version_patch DESC LIMIT 1)) AS icon_large";
