//! Rate limits: per caller on the API, and per client address and per
//! account on the token endpoint (password guessing). Answered 429 with
//! `Retry-After`.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

pub struct RateLimits {
    callers: DefaultKeyedRateLimiter<String>,
    logins: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    /// `per_minute` requests for each caller; `logins_per_minute` token
    /// requests for each client address and for each account.
    pub fn new(per_minute: u32, logins_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self { callers: RateLimiter::keyed(quota(per_minute)), logins: RateLimiter::keyed(quota(logins_per_minute)) }
    }

    pub fn per_caller(&self, subject: &str) -> AppResult<()> {
        check(&self.callers, subject.to_owned())
    }

    /// A token request from `address` for `account`.
    pub fn login(&self, address: &str, account: &str) -> AppResult<()> {
        check(&self.logins, format!("addr:{address}"))?;
        check(&self.logins, format!("account:{}", account.to_lowercase()))
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: String) -> AppResult<()> {
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        AppError::TooManyRequests { retry_after_secs: wait.as_secs().max(1) }
    })?;
    // Forget idle callers now and then, so the table does not grow without bound.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    Ok(())
}
