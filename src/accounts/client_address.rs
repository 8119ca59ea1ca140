//! Which address a request comes from, for throttling: the connecting peer, or — only when that
//! peer is a trusted proxy (`store.trusted-proxies`) — the client its `X-Forwarded-For` names.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address. `X-Forwarded-For` is read only when `peer` is a trusted proxy, and then
/// from the right: each proxy appends the address it received the request from, so the right-most
/// entry that is not itself a trusted proxy is the first one no trusted party vouches for beyond.
/// Entries further left were written by the client and can be forged. An entry that is not an IP
/// address stops the walk at the last trusted hop, so garbage never becomes the client.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.into_iter().rev() {
        let Some(address) = parse_entry(entry) else {
            break;
        };
        client = address.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies write it
/// (`203.0.113.5:4123`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn entries_with_ports_name_their_address() {
        assert_eq!(
            address("10.0.0.1", &["203.0.113.5:4123"], &["10.0.0.0/8"]),
            "203.0.113.5"
        );
        assert_eq!(
            address("10.0.0.1", &["[2001:db8::1]:443"], &["10.0.0.0/8"]),
            "2001:db8::1"
        );
    }

    use super::*;

    fn address(peer: &str, forwarded_for: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded_for {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_address(peer.parse().unwrap(), &headers, &trusted).to_string()
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        assert_eq!(
            address("203.0.113.9", &["198.51.100.1"], &[]),
            "203.0.113.9"
        );
        assert_eq!(
            address("203.0.113.9", &["198.51.100.1"], &["10.0.0.0/8"]),
            "203.0.113.9"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        assert_eq!(
            address("10.0.0.2", &["198.51.100.1"], &["10.0.0.0/8"]),
            "198.51.100.1"
        );
        // No header: the proxy is all we know.
        assert_eq!(address("10.0.0.2", &[], &["10.0.0.0/8"]), "10.0.0.2");
    }

    #[test]
    fn forged_entries_on_the_left_are_ignored() {
        assert_eq!(
            address("10.0.0.2", &["1.1.1.1, 198.51.100.1"], &["10.0.0.0/8"]),
            "198.51.100.1"
        );
        // Several headers count as one list, in order.
        assert_eq!(
            address("10.0.0.2", &["1.1.1.1", "198.51.100.1"], &["10.0.0.0/8"]),
            "198.51.100.1"
        );
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked_from_the_right() {
        assert_eq!(
            address(
                "10.0.0.2",
                &["1.1.1.1, 198.51.100.1, 10.0.0.7"],
                &["10.0.0.0/8"]
            ),
            "198.51.100.1"
        );
        // Every hop trusted: the left-most one.
        assert_eq!(
            address("10.0.0.2", &["10.0.0.9, 10.0.0.7"], &["10.0.0.0/8"]),
            "10.0.0.9"
        );
    }

    #[test]
    fn garbage_stops_at_the_last_trusted_hop() {
        assert_eq!(
            address("10.0.0.2", &["198.51.100.1, unknown"], &["10.0.0.0/8"]),
            "10.0.0.2"
        );
        assert_eq!(
            address("10.0.0.2", &["unknown, 10.0.0.7"], &["10.0.0.0/8"]),
            "10.0.0.7"
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_addresses_count_as_ipv4() {
        assert_eq!(
            address("::ffff:10.0.0.2", &["::ffff:198.51.100.1"], &["10.0.0.1/8"]),
            "198.51.100.1"
        );
        assert_eq!(
            address("::1", &["2001:db8::5"], &["::1/128"]),
            "2001:db8::5"
        );
    }
}
