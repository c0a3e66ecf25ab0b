//! The guard against server-side request forgery: webhook deliveries never
//! reach loopback, private, link-local, cloud metadata or other non-public
//! addresses, unless the operator allowlists a network (as tests do).
//!
//! The check runs on the addresses a host name resolves to, for the very
//! connection made (so a name cannot resolve to a public address when checked
//! and a private one when used), and again for every redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address may not be called, or `None` when it is public.
pub fn forbidden_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            // ::ffff:127.0.0.1 and the like reach IPv4 addresses.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let segments = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
                Some("cloud metadata")
            } else if segments[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if segments[0] & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
                Some("documentation")
            } else if segments[0] == 0x0064 && segments[1] == 0xff9b {
                // NAT64 reaches IPv4 addresses that are checked nowhere else.
                Some("NAT64")
            } else if segments[..6] == [0, 0, 0, 0, 0, 0] {
                Some("IPv4-compatible")
            } else {
                None
            }
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if ip.is_multicast() || a >= 240 {
        Some("multicast or reserved")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared address space (carrier-grade NAT)")
    } else if (a, b) == (198, 18) || (a, b) == (198, 19) {
        Some("benchmarking")
    } else if (a, b, c) == (192, 0, 0) || ip.is_documentation() {
        Some("reserved or documentation")
    } else {
        None
    }
}

/// Which addresses deliveries may reach.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// Networks allowed even though they are not public.
    pub allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// `Err` with the reason when `ip` may not be called.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match forbidden_class(ip) {
            Some(class) if !self.allowed.iter().any(|net| net.contains(&ip)) => {
                Err(format!("{ip} is a {class} address; webhooks only call public addresses"))
            }
            _ => Ok(()),
        }
    }

    /// Checks a URL's host when it is an address literal (names are checked
    /// when they are resolved).
    pub fn check_url(&self, url: &url::Url) -> Result<(), String> {
        match url.host() {
            Some(url::Host::Ipv4(ip)) => self.check(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => Ok(()),
            None => Err("the URL names no host".into()),
        }
    }
}

/// Resolves host names for the webhook client and refuses any name that
/// resolves to an address the policy forbids.
#[derive(Debug, Clone)]
pub struct GuardedResolver(pub Arc<AddressPolicy>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() {
                return Err(format!("{host} resolves to no address").into());
            }
            for address in &addresses {
                policy.check(address.ip()).map_err(|reason| format!("{host}: {reason}"))?;
            }
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_non_public_class_is_refused() {
        let refused = [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.10.10",
            "169.254.169.254",
            "100.100.100.200",
            "fd00:ec2::254",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "0.0.0.0",
            "::",
            "255.255.255.255",
            "224.0.0.1",
            "ff02::1",
            "100.64.0.1",
            "198.18.0.1",
            "192.0.2.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ];
        let policy = AddressPolicy::default();
        for ip in refused {
            assert!(policy.check(ip.parse().unwrap()).is_err(), "{ip} must be refused");
        }
        for ip in ["93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5", "172.32.0.1", "100.128.0.1"] {
            assert!(policy.check(ip.parse().unwrap()).is_ok(), "{ip} is public");
        }
    }

    #[test]
    fn an_allowlisted_network_is_let_through() {
        let policy = AddressPolicy { allowed: vec!["127.0.0.1/32".parse().unwrap()] };
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("::ffff:127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("127.0.0.2".parse().unwrap()).is_err());
        assert!(policy.check("10.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn address_literals_in_urls_are_checked() {
        let policy = AddressPolicy::default();
        for url in ["http://127.0.0.1:8080/hook", "http://[::1]/", "http://169.254.169.254/latest/meta-data/"] {
            assert!(policy.check_url(&url.parse().unwrap()).is_err(), "{url}");
        }
        assert!(policy.check_url(&"https://hooks.example.com/".parse().unwrap()).is_ok());
    }
}
