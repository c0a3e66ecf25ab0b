//! Rate limits: per caller on the API, and per client address and per
//! (account, address) on the token endpoint (password guessing). Answered
//! 429 with `Retry-After`.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

pub struct RateLimits {
    callers: DefaultKeyedRateLimiter<String>,
    /// Token requests from each client address, for any accounts.
    addresses: DefaultKeyedRateLimiter<String>,
    /// Token requests for each account from each client address.
    accounts: DefaultKeyedRateLimiter<String>,
}

/// An address may serve many people (an office behind one NAT): it gets this
/// many times one account's budget.
pub const ADDRESS_BUDGET_FACTOR: u32 = 5;

impl RateLimits {
    /// `per_minute` requests for each caller; `logins_per_minute` token
    /// requests for each account from each client address, and
    /// [`ADDRESS_BUDGET_FACTOR`] times as many from each address in all.
    pub fn new(per_minute: u32, logins_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            callers: RateLimiter::keyed(quota(per_minute)),
            addresses: RateLimiter::keyed(quota(logins_per_minute.saturating_mul(ADDRESS_BUDGET_FACTOR))),
            accounts: RateLimiter::keyed(quota(logins_per_minute)),
        }
    }

    pub fn per_caller(&self, subject: &str) -> AppResult<()> {
        check(&self.callers, subject.to_owned())
    }

    /// A token request from `address` for `account` (normalized as the login
    /// looks it up). Guesses at an account from one address never spend what
    /// its owner has from theirs.
    pub fn login(&self, address: &str, account: &str) -> AppResult<()> {
        check(&self.addresses, address.to_owned())?;
        check(&self.accounts, format!("{account}\u{0}{address}"))
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
