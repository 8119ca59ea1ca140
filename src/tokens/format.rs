//! The token format: `nwst_` + 32 random `[A-Za-z0-9]` + 6-character base62 CRC32 checksum.

/// Every token starts with this, so scanners can find leaked ones.
pub const PREFIX: &str = "nwst_";
/// Random characters after the prefix.
pub const RANDOM_LEN: usize = 32;
/// Checksum characters at the end.
pub const CHECKSUM_LEN: usize = 6;
/// The whole token's length.
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The checksum of a token's random part: its CRC32 in base62, six characters.
pub fn checksum(random: &str) -> String {
    let mut value = crc32fast::hash(random.as_bytes()) as u64;
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// A token for the random part `random` (32 alphanumeric characters).
pub fn assemble(random: &str) -> String {
    format!("{PREFIX}{random}{}", checksum(random))
}

/// Whether `token` has the right prefix, length, alphabet and checksum: a mistyped or truncated
/// token fails here, before any database lookup.
pub fn is_well_formed(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return false;
    };
    if token.len() != TOKEN_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, sum) = rest.split_at(RANDOM_LEN);
    checksum(random) == sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let random = "abcdefghijklmnopqrstuvwxyz012345";
        let token = assemble(random);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.starts_with("nwst_"));
        assert!(is_well_formed(&token));
    }

    #[test]
    fn mistakes_are_caught_without_a_lookup() {
        let token = assemble("abcdefghijklmnopqrstuvwxyz012345");
        let mut typo = token.clone().into_bytes();
        typo[10] = if typo[10] == b'x' { b'y' } else { b'x' };
        assert!(!is_well_formed(std::str::from_utf8(&typo).unwrap()));
        assert!(!is_well_formed(&token[..token.len() - 1]));
        assert!(!is_well_formed(&token.replace("nwst_", "nwsx_")));
        assert!(!is_well_formed(&format!("{token}a")));
        assert!(!is_well_formed(""));
        assert!(!is_well_formed(
            "nwst_ééééééééééééééééééééééééééééééééééééé"
        ));
    }

    #[test]
    fn checksums_are_six_base62_characters() {
        assert_eq!(checksum("").len(), 6);
        assert!(checksum("x").bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(checksum("a"), checksum("b"));
    }
}
