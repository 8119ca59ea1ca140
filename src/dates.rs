//! Dates as shown to people and in messages, shared by the pages and the services (neither UI nor
//! a domain, so both can use it).

/// A date like `2026-11-25` from Unix seconds.
pub fn format_date(unix_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_795_000_000), "2026-11-18");
    }
}
