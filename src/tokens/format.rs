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

/// What is wrong with a string given as a token, found before any database lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not shaped like a token at all: another prefix, length or alphabet.
    NotAToken,
    /// Shaped like a token, but its checksum does not match its random part: a typo.
    Mistyped,
}

/// Checks that `token` has the right prefix, length, alphabet and checksum: a mistyped or
/// truncated token fails here, before any database lookup.
pub fn check(token: &str) -> Result<(), Malformed> {
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return Err(Malformed::NotAToken);
    };
    if token.len() != TOKEN_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Malformed::NotAToken);
    }
    let (random, sum) = rest.split_at(RANDOM_LEN);
    if checksum(random) == sum {
        Ok(())
    } else {
        Err(Malformed::Mistyped)
    }
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
        assert_eq!(check(&token), Ok(()));
    }

    #[test]
    fn mistakes_are_caught_without_a_lookup() {
        let token = assemble("abcdefghijklmnopqrstuvwxyz012345");
        let mut typo = token.clone().into_bytes();
        typo[10] = if typo[10] == b'x' { b'y' } else { b'x' };
        assert_eq!(
            check(std::str::from_utf8(&typo).unwrap()),
            Err(Malformed::Mistyped)
        );
        let mut wrong_sum = token.clone().into_bytes();
        let last = wrong_sum.len() - 1;
        wrong_sum[last] = if wrong_sum[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            check(std::str::from_utf8(&wrong_sum).unwrap()),
            Err(Malformed::Mistyped)
        );
        for not_a_token in [
            &token[..token.len() - 1],
            &token.replace("nwst_", "nwsx_"),
            &format!("{token}a"),
            "",
            "nwst_ééééééééééééééééééééééééééééééééééééé",
            &token.replacen('a', "-", 1),
        ] {
            assert_eq!(
                check(not_a_token),
                Err(Malformed::NotAToken),
                "{not_a_token}"
            );
        }
    }

    #[test]
    fn checksums_are_six_base62_characters() {
        assert_eq!(checksum("").len(), 6);
        assert!(checksum("x").bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(checksum("a"), checksum("b"));
    }
}
