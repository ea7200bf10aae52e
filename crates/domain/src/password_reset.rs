//! Password resets: a one-time token, e-mailed to the address of the account, that lets its
//! holder set a new password.

use chrono::TimeDelta;

/// A reset token is good for this long after it was e-mailed, and once.
pub const PASSWORD_RESET_LIFETIME: TimeDelta = TimeDelta::minutes(60);
