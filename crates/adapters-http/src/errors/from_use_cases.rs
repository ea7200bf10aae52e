//! Which [`ApiError`] each use case's failure becomes: the second half of the mapping.

use todo_application::ports::RetryAfter;
use todo_application::use_cases::{
    AuthenticateApiKeyError, AuthenticateError, ChangePasswordError, CheckReadinessError,
    ConfirmPasswordResetError, CreateApiKeyError, CreateTodoError, CreateTodoOnceError, DeleteTodoError,
    DeleteUserError, ExportTodosError, FollowTodoEventsError, GetTodoError, ImportTodosError, KeyError,
    ListTodosError, LogInError, RefreshSessionError, RegisterUserError, ReplaceTodoError,
    RequestPasswordResetError, RetryJobError, RevokeApiKeyError, RevokeSessionError, SetUserFlagsError,
    UpdateTodoError,
};

use super::{
    API_KEY_NOT_FOUND, ApiError, JOB_NOT_RETRYABLE, KEY_IN_FLIGHT, KEY_REUSED, SELF_ACTION,
    SESSION_NOT_FOUND, TODO_NOT_FOUND, TOO_MANY_IMPORTED, USER_NOT_FOUND,
};

impl From<RegisterUserError> for ApiError {
    fn from(error: RegisterUserError) -> Self {
        match error {
            RegisterUserError::UsernameTaken => Self::BadRequest("Username already registered"),
            RegisterUserError::EmailTaken => Self::BadRequest("Email already registered"),
            RegisterUserError::TooManyAttempts(RetryAfter(retry_after)) => {
                Self::TooManyRequests { detail: "Too many registrations; try again later", retry_after }
            }
            RegisterUserError::Hashing(error) => error.into(),
            RegisterUserError::Repository(error) => error.into(),
        }
    }
}

impl From<LogInError> for ApiError {
    fn from(error: LogInError) -> Self {
        match error {
            LogInError::InvalidCredentials => Self::IncorrectLogin,
            LogInError::Inactive => Self::BadRequest("Inactive user"),
            LogInError::InvalidScope => Self::BadRequest("Invalid scope"),
            LogInError::TooManyAttempts(RetryAfter(retry_after)) => Self::TooManyRequests {
                detail: "Too many failed login attempts; try again later",
                retry_after,
            },
            LogInError::Hashing(error) => error.into(),
            LogInError::Token(error) => error.into(),
            LogInError::Repository(error) => error.into(),
        }
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(error: AuthenticateError) -> Self {
        match error {
            AuthenticateError::InvalidToken | AuthenticateError::Revoked => Self::InvalidToken,
            AuthenticateError::Inactive => Self::BadRequest("Inactive user"),
            AuthenticateError::Repository(error) => error.into(),
        }
    }
}

impl From<RefreshSessionError> for ApiError {
    fn from(error: RefreshSessionError) -> Self {
        match error {
            RefreshSessionError::InvalidToken | RefreshSessionError::Reused => Self::InvalidRefreshToken,
            RefreshSessionError::Inactive => Self::BadRequest("Inactive user"),
            RefreshSessionError::Token(error) => error.into(),
            RefreshSessionError::Repository(error) => error.into(),
        }
    }
}

impl From<RevokeSessionError> for ApiError {
    fn from(error: RevokeSessionError) -> Self {
        match error {
            RevokeSessionError::NotFound => Self::NotFound(SESSION_NOT_FOUND),
            RevokeSessionError::Repository(error) => error.into(),
        }
    }
}

impl From<CheckReadinessError> for ApiError {
    fn from(error: CheckReadinessError) -> Self {
        match error {
            CheckReadinessError::DatabaseUnavailable(_) => Self::Unavailable(Box::new(error)),
        }
    }
}

impl From<FollowTodoEventsError> for ApiError {
    fn from(error: FollowTodoEventsError) -> Self {
        match error {
            // Streams end when clients go: one should free up soon.
            FollowTodoEventsError::TooManyStreams { .. } => ApiError::TooManyRequests {
                detail: "Too many open event streams",
                retry_after: std::time::Duration::from_secs(5),
            },
            FollowTodoEventsError::Repository(error) => error.into(),
        }
    }
}

impl From<CreateTodoError> for ApiError {
    fn from(error: CreateTodoError) -> Self {
        match error {
            CreateTodoError::Repository(error) => error.into(),
        }
    }
}

impl From<ListTodosError> for ApiError {
    fn from(error: ListTodosError) -> Self {
        match error {
            ListTodosError::Repository(error) => error.into(),
        }
    }
}

impl From<ExportTodosError> for ApiError {
    fn from(error: ExportTodosError) -> Self {
        match error {
            ExportTodosError::Repository(error) => error.into(),
        }
    }
}

impl From<ImportTodosError> for ApiError {
    fn from(error: ImportTodosError) -> Self {
        match error {
            ImportTodosError::TooMany => Self::TooLarge(TOO_MANY_IMPORTED),
            ImportTodosError::Key(error) => error.into(),
            ImportTodosError::Repository(error) => error.into(),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::OtherRequest => Self::Unprocessable(KEY_REUSED),
            KeyError::InFlight => Self::Conflict(KEY_IN_FLIGHT),
        }
    }
}

impl From<CreateTodoOnceError> for ApiError {
    fn from(error: CreateTodoOnceError) -> Self {
        match error {
            CreateTodoOnceError::Key(error) => error.into(),
            CreateTodoOnceError::Repository(error) => error.into(),
        }
    }
}

impl From<GetTodoError> for ApiError {
    fn from(error: GetTodoError) -> Self {
        match error {
            GetTodoError::NotFound => Self::NotFound(TODO_NOT_FOUND),
            GetTodoError::Repository(error) => error.into(),
        }
    }
}

impl From<UpdateTodoError> for ApiError {
    fn from(error: UpdateTodoError) -> Self {
        match error {
            UpdateTodoError::NotFound => Self::NotFound(TODO_NOT_FOUND),
            UpdateTodoError::PreconditionFailed => Self::PreconditionFailed,
            UpdateTodoError::Repository(error) => error.into(),
        }
    }
}

impl From<ReplaceTodoError> for ApiError {
    fn from(error: ReplaceTodoError) -> Self {
        match error {
            ReplaceTodoError::NotFound => Self::NotFound(TODO_NOT_FOUND),
            ReplaceTodoError::PreconditionFailed => Self::PreconditionFailed,
            ReplaceTodoError::Repository(error) => error.into(),
        }
    }
}

impl From<DeleteTodoError> for ApiError {
    fn from(error: DeleteTodoError) -> Self {
        match error {
            DeleteTodoError::NotFound => Self::NotFound(TODO_NOT_FOUND),
            DeleteTodoError::PreconditionFailed => Self::PreconditionFailed,
            DeleteTodoError::Repository(error) => error.into(),
        }
    }
}

impl From<AuthenticateApiKeyError> for ApiError {
    fn from(error: AuthenticateApiKeyError) -> Self {
        match error {
            AuthenticateApiKeyError::InvalidKey => Self::InvalidApiKey,
            AuthenticateApiKeyError::Inactive => Self::BadRequest("Inactive user"),
            AuthenticateApiKeyError::Repository(error) => error.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(error: ChangePasswordError) -> Self {
        match error {
            ChangePasswordError::IncorrectPassword => Self::BadRequest("Incorrect password"),
            ChangePasswordError::TooManyAttempts(RetryAfter(retry_after)) => Self::TooManyRequests {
                detail: "Too many failed password changes; try again later",
                retry_after,
            },
            ChangePasswordError::Hashing(error) => error.into(),
            ChangePasswordError::Repository(error) => error.into(),
        }
    }
}

impl From<RequestPasswordResetError> for ApiError {
    fn from(error: RequestPasswordResetError) -> Self {
        match error {
            RequestPasswordResetError::TooManyRequests(RetryAfter(retry_after)) => Self::TooManyRequests {
                detail: "Too many password-reset requests; try again later",
                retry_after,
            },
            RequestPasswordResetError::Repository(error) => error.into(),
        }
    }
}

impl From<ConfirmPasswordResetError> for ApiError {
    fn from(error: ConfirmPasswordResetError) -> Self {
        match error {
            ConfirmPasswordResetError::InvalidToken => Self::BadRequest("Invalid or expired reset token"),
            ConfirmPasswordResetError::TooManyAttempts(RetryAfter(retry_after)) => Self::TooManyRequests {
                detail: "Too many password-reset attempts; try again later",
                retry_after,
            },
            ConfirmPasswordResetError::Hashing(error) => error.into(),
            ConfirmPasswordResetError::Repository(error) => error.into(),
        }
    }
}

impl From<CreateApiKeyError> for ApiError {
    fn from(error: CreateApiKeyError) -> Self {
        match error {
            CreateApiKeyError::ScopeNotHeld(scope) => Self::MissingScope(scope),
            CreateApiKeyError::Repository(error) => error.into(),
        }
    }
}

impl From<RevokeApiKeyError> for ApiError {
    fn from(error: RevokeApiKeyError) -> Self {
        match error {
            RevokeApiKeyError::NotFound => Self::NotFound(API_KEY_NOT_FOUND),
            RevokeApiKeyError::Repository(error) => error.into(),
        }
    }
}

impl From<SetUserFlagsError> for ApiError {
    fn from(error: SetUserFlagsError) -> Self {
        match error {
            SetUserFlagsError::NotFound => Self::NotFound(USER_NOT_FOUND),
            SetUserFlagsError::SelfAction => Self::BadRequest(SELF_ACTION),
            SetUserFlagsError::Repository(error) => error.into(),
        }
    }
}

impl From<DeleteUserError> for ApiError {
    fn from(error: DeleteUserError) -> Self {
        match error {
            DeleteUserError::NotFound => Self::NotFound(USER_NOT_FOUND),
            DeleteUserError::SelfAction => Self::BadRequest(SELF_ACTION),
            DeleteUserError::Repository(error) => error.into(),
        }
    }
}

impl From<RetryJobError> for ApiError {
    fn from(error: RetryJobError) -> Self {
        match error {
            RetryJobError::NotRetryable => Self::NotFound(JOB_NOT_RETRYABLE),
            RetryJobError::Repository(error) => error.into(),
        }
    }
}
