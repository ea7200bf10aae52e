//! Pagination of lists: how many rows to skip, how many to return at most.

pub const LIMIT_MIN: i64 = 1;
pub const LIMIT_MAX: i64 = 100;
pub const LIMIT_DEFAULT: i64 = 100;

/// Why a `skip`/`limit` pair is not a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("skip must be at least 0, got {actual}")]
    NegativeSkip { actual: i64 },
    #[error("limit must be at least {min}, got {actual}")]
    LimitTooSmall { min: i64, actual: i64 },
    #[error("limit must be at most {max}, got {actual}")]
    LimitTooLarge { max: i64, actual: i64 },
}

/// `skip >= 0` and `1 <= limit <= 100`: a list never returns more than 100 rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    skip: i64,
    limit: i64,
}

impl Page {
    /// # Errors
    /// The first rule the pair breaks, `skip` first.
    pub fn new(skip: i64, limit: i64) -> Result<Self, PageError> {
        if skip < 0 {
            return Err(PageError::NegativeSkip { actual: skip });
        }
        if limit < LIMIT_MIN {
            return Err(PageError::LimitTooSmall { min: LIMIT_MIN, actual: limit });
        }
        if limit > LIMIT_MAX {
            return Err(PageError::LimitTooLarge { max: LIMIT_MAX, actual: limit });
        }
        Ok(Self { skip, limit })
    }

    pub fn skip(self) -> i64 {
        self.skip
    }

    pub fn limit(self) -> i64 {
        self.limit
    }
}

impl Default for Page {
    fn default() -> Self {
        Self { skip: 0, limit: LIMIT_DEFAULT }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_checked_at_every_boundary() {
        let cases = [
            ((0, 1), Ok(())),
            ((0, 100), Ok(())),
            ((i64::MAX, 50), Ok(())),
            ((-1, 10), Err(PageError::NegativeSkip { actual: -1 })),
            ((0, 0), Err(PageError::LimitTooSmall { min: 1, actual: 0 })),
            ((0, -1), Err(PageError::LimitTooSmall { min: 1, actual: -1 })),
            ((0, 101), Err(PageError::LimitTooLarge { max: 100, actual: 101 })),
        ];
        for ((skip, limit), expected) in cases {
            assert_eq!(Page::new(skip, limit).map(|_| ()), expected, "skip={skip} limit={limit}");
        }
    }

    #[test]
    fn the_default_page_is_the_first_hundred() {
        assert_eq!((Page::default().skip(), Page::default().limit()), (0, 100));
    }
}
