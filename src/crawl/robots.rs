//! robots.txt rules for one host, parsed with texting_robots (which passes Google's and reppy's
//! test cases) and cached for the run by the host's politeness object.
//!
//! Fetch outcomes follow RFC 9309 (`Fetcher::load_robots`): redirects followed for up to five
//! hops, even to another host; 2xx → the rules; 4xx or more than five redirects → everything
//! allowed; 5xx or unreachable after retries, or a redirect to a refused address → everything
//! disallowed for this run (the site may be struggling).

use std::time::Duration;

use texting_robots::Robot;

/// The robots rules that apply to us on one host.
#[derive(Debug)]
pub enum Robots {
    Rules(Robot),
    AllowAll,
    DisallowAll,
}

impl Robots {
    /// Parses a robots.txt body for our User-Agent; an unparsable file allows everything.
    pub fn parse(user_agent: &str, body: &[u8]) -> Robots {
        let token = product_token(user_agent);
        match Robot::new(&token, body) {
            Ok(r) => Robots::Rules(r),
            Err(_) => Robots::AllowAll,
        }
    }

    /// What a robots.txt response status means when there is no usable body.
    pub fn from_status(status: u16) -> Robots {
        if status >= 500 {
            Robots::DisallowAll
        } else {
            Robots::AllowAll
        }
    }

    /// May the path (with query) of this URL be fetched?
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            Robots::Rules(r) => r.allowed(url),
            Robots::AllowAll => true,
            Robots::DisallowAll => false,
        }
    }

    /// The Crawl-delay for us, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Robots::Rules(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(3600.0))),
            _ => None,
        }
    }
}

/// `govtrust-crawler/0.1 (+https://…)` → `govtrust-crawler`: robots groups name the product.
pub fn product_token(user_agent: &str) -> String {
    user_agent
        .split(['/', ' ', '('])
        .next()
        .unwrap_or(user_agent)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str = "govtrust-crawler/0.1 (+https://example.org/crawler; ops@example.org)";

    #[test]
    fn disallow_allow_and_crawl_delay() {
        let txt = b"User-agent: *\nDisallow: /private/\nAllow: /private/open.html\nCrawl-delay: 2\n\nUser-agent: badbot\nDisallow: /\n";
        let r = Robots::parse(UA, txt);
        assert!(!r.allowed("http://www.tongbai.sim/private/a.html"));
        assert!(r.allowed("http://www.tongbai.sim/private/open.html"));
        assert!(r.allowed("http://www.tongbai.sim/2023/01-05/1.html"));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn our_own_group_wins() {
        let txt =
            b"User-agent: *\nDisallow: /\n\nUser-agent: govtrust-crawler\nDisallow: /search\n";
        let r = Robots::parse(UA, txt);
        assert!(r.allowed("http://x.cn/a.html"));
        assert!(!r.allowed("http://x.cn/search?q=1"));
    }

    #[test]
    fn status_without_rules() {
        assert!(Robots::from_status(404).allowed("http://x.cn/a"));
        assert!(!Robots::from_status(503).allowed("http://x.cn/a"));
        assert_eq!(product_token(UA), "govtrust-crawler");
    }
}
