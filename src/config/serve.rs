//! The optional `[serve]` section of the settings file: the host names under which `govtrust
//! serve` answers besides the loopback names (`localhost`, `127.0.0.1`, `::1`) and the address
//! it listens on. A request whose `Host` header names anything else is refused (421), which is
//! what stops a DNS-rebinding page from reading the store through the analyst's browser.
//!
//! `backup_dir` is where `POST /api/backup` writes its copies of the store (relative to the
//! settings file), one new directory each.
//!
//! ```toml
//! [serve]
//! allowed_hosts = ["govtrust.example.internal", "10.1.2.3"]
//! backup_dir = "/var/backups/govtrust"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Problem, Problems};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    /// Host names (or IP addresses) without scheme or port.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Where `POST /api/backup` writes (relative to the settings file); none: no backups
    /// through the service.
    #[serde(default)]
    pub backup_dir: Option<PathBuf>,
}

/// Whether `name` is a host name or IP address as the `Host` header carries it, without port.
pub fn valid_host_name(name: &str) -> bool {
    let n = name.trim_start_matches('[').trim_end_matches(']');
    if n.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl ServeSettings {
    /// Every problem of the section, keyed `serve.…`.
    pub fn validate(&self, file: &Path) -> Vec<Problem> {
        let mut p = Problems::new(file);
        for (i, h) in self.allowed_hosts.iter().enumerate() {
            if !valid_host_name(h) {
                p.push(
                    format!("serve.allowed_hosts[{i}]"),
                    format!("{h:?}: a host name or IP address without scheme, port or path"),
                );
            }
        }
        p.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_checked() {
        for ok in [
            "localhost",
            "govtrust.example",
            "10.1.2.3",
            "::1",
            "[::1]",
            "a-b.c_d",
        ] {
            assert!(valid_host_name(ok), "{ok}");
        }
        for bad in [
            "",
            "http://x",
            "x:8080",
            "x/y",
            "a..b",
            "evil example",
            "*.example",
        ] {
            assert!(!valid_host_name(bad), "{bad}");
        }
        let s = ServeSettings {
            allowed_hosts: vec!["ok.example".into(), "x:1".into()],
            backup_dir: None,
        };
        let problems = s.validate(Path::new("s.toml"));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "serve.allowed_hosts[1]");
    }
}
