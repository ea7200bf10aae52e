//! `todo-api`: serves the API (the default), runs job workers alone, runs migrations,
//! lists and retries jobs, makes superusers, prints the OpenAPI document. Configuration comes from
//! defaults, `config/<environment>.toml` and `APP_...` variables; see the README.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use mimalloc::MiMalloc;
use todo_adapters_auth::{Argon2PasswordHasher, HashingParams, SystemClock};
use todo_adapters_db::{
    SeaOrmJobStore, SeaOrmUserRepository, connect, migrate_down, migrate_up, migration_status,
};
use todo_application::ports::{JobId, JobStatus};
use todo_application::use_cases::{CreateSuperuser, ListJobs, RetryJob, RetryJobError};
use todo_bootstrap::{Application, Settings, Worker, database_options, shutdown_signal, telemetry};
use todo_domain::{EmailAddress, Page, Password, Username};

/// mimalloc rather than the system allocator: fewer cycles per allocation, and memory
/// freed by one thread is reused instead of parked in per-thread arenas (bench/README.md).
#[global_allocator]
static ALLOCATOR: MiMalloc = MiMalloc;

#[derive(Parser)]
#[command(name = "todo-api", version, about = "The Todo API service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations (unless configured not to) and serve HTTP, with
    /// `jobs.workers` job workers beside it. The default.
    Serve,
    /// Run job workers only (at least one), without HTTP, until SIGTERM or Ctrl-C.
    Worker,
    /// Inspect and revive background jobs.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Manage users from the command line.
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Print the OpenAPI document (the one served at /openapi.json) and exit.
    Openapi,
    /// Ask this machine's service (on `server.port`) for `/health`: exit 0 if it answers 200,
    /// 1 otherwise. For a container's health check, where no HTTP client is installed.
    Health,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the most recent migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied.
    Status,
}

#[derive(Subcommand)]
enum JobsAction {
    /// The newest jobs first: id, kind, status, attempts, when they run, the last error.
    List {
        /// Only jobs in this state: queued, running, succeeded, failed or dead.
        #[arg(long, value_parser = parse_status)]
        status: Option<JobStatus>,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100))]
        limit: i64,
    },
    /// Queue a failed or dead job again, to run now with a fresh budget of attempts.
    Retry { id: i64 },
}

#[derive(Subcommand)]
enum UsersAction {
    /// Make a superuser: a new account (the password from TODO_API_PASSWORD, or asked for
    /// without echo), or with --promote an existing one.
    CreateSuperuser {
        #[arg(long)]
        username: String,
        /// Required for a new account; ignored with --promote.
        #[arg(long, required_unless_present = "promote")]
        email: Option<String>,
        /// Make the existing user USERNAME a superuser (and active) instead.
        #[arg(long)]
        promote: bool,
    },
}

/// Where `create-superuser` takes the password from when it is set.
const PASSWORD_VARIABLE: &str = "TODO_API_PASSWORD";

fn parse_status(text: &str) -> Result<JobStatus, String> {
    JobStatus::parse(text).ok_or_else(|| "one of queued, running, succeeded, failed, dead".to_owned())
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    match command {
        // Needs no configuration and no database, so that it runs anywhere.
        Command::Openapi => {
            println!("{}", todo_adapters_http::openapi::document().to_pretty_json()?);
            return Ok(());
        }
        Command::Health => return health(&Settings::load()?),
        _ => {}
    }
    // Logging and traces as the settings say; the last spans are sent before exiting.
    let settings = Settings::load()?;
    settings.telemetry.check()?;
    let telemetry = telemetry::init(&settings.log, &settings.telemetry)?;
    let result = match command {
        Command::Serve => serve(settings).await,
        Command::Worker => work(settings).await,
        Command::Jobs { action } => jobs(settings, action).await,
        Command::Users { action } => users(settings, action).await,
        Command::Migrate { action } => migrate(settings, action).await,
        Command::Openapi | Command::Health => Ok(()),
    };
    telemetry.shutdown();
    result
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = %settings.summary(), "starting");
    let (host, environment) = (settings.server.host.clone(), settings.environment);
    let application = Application::build(settings).await?;
    tracing::info!(?environment, "listening on http://{host}:{}", application.port());
    application.run_until_stopped().await?;
    Ok(())
}

/// One `GET /health` over plain TCP, three seconds at most for everything, the lookup of the
/// host's name included: the probe runs on a thread of its own, abandoned when time is up.
fn health(settings: &Settings) -> anyhow::Result<()> {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(3);
    let host = match settings.server.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1".to_owned(),
        host => host.to_owned(),
    };
    let port = settings.server.port;
    let (answer, answered) = std::sync::mpsc::channel();
    // The socket's own timeouts are longer: they only end the thread; the deadline here counts.
    std::thread::spawn(move || answer.send(probe_health(&host, port, 2 * LIMIT)));
    answered
        .recv_timeout(LIMIT)
        .map_err(|_| anyhow::anyhow!("no answer from the service within {LIMIT:?}"))?
}

fn probe_health(host: &str, port: u16, limit: std::time::Duration) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let address = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("{host} has no address"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0; 12];
    stream.read_exact(&mut head)?;
    anyhow::ensure!(head.starts_with(b"HTTP/1.") && &head[9..12] == b"200", "the service is not healthy");
    Ok(())
}

async fn work(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = %settings.summary(), "starting the job workers");
    let host = settings.server.host.clone();
    let worker = Worker::build(settings).await?;
    tracing::info!("job workers running; health and metrics on http://{host}:{}", worker.port());
    worker.run_until(shutdown_signal()).await;
    Ok(())
}

async fn jobs(settings: Settings, action: JobsAction) -> anyhow::Result<()> {
    let pool = connect(&database_options(&settings)).await?;
    let store = Arc::new(SeaOrmJobStore::new(&pool, settings.database.query_timeout()));
    match action {
        JobsAction::List { status, limit } => {
            let page = Page::new(0, limit)?;
            for job in ListJobs::new(store).execute(status, page).await? {
                println!(
                    "{}\t{}\t{}\t{}/{}\t{}\t{}",
                    job.id,
                    job.kind,
                    job.status.as_str(),
                    job.attempts,
                    job.max_attempts,
                    job.run_at.to_rfc3339(),
                    job.last_error.as_deref().unwrap_or("-")
                );
            }
        }
        JobsAction::Retry { id } => {
            match RetryJob::new(store, Arc::new(SystemClock)).execute(JobId(id)).await {
                Ok(()) => println!("job {id} queued again"),
                Err(RetryJobError::NotRetryable) => anyhow::bail!("no failed or dead job has id {id}"),
                Err(RetryJobError::Repository(error)) => return Err(error.into()),
            }
        }
    }
    pool.close().await?;
    Ok(())
}

async fn users(settings: Settings, action: UsersAction) -> anyhow::Result<()> {
    let UsersAction::CreateSuperuser { username, email, promote } = action;
    let username = Username::parse(username)?;
    let pool = connect(&database_options(&settings)).await?;
    if settings.database.migrate_on_start {
        migrate_up(pool.db()).await?;
    }
    let users = Arc::new(SeaOrmUserRepository::new(&pool, settings.database.query_timeout()));
    let hasher = Arc::new(Argon2PasswordHasher::new(HashingParams::default(), 1)?);
    let create = CreateSuperuser::new(users, hasher, Arc::new(SystemClock));
    let user = if promote {
        create.promote(&username).await?
    } else {
        let email = EmailAddress::parse(email.unwrap_or_default())?;
        let password = match std::env::var(PASSWORD_VARIABLE) {
            Ok(password) => password,
            Err(_) => rpassword::prompt_password(format!("Password for {username}: "))?,
        };
        create.create(username, email, Password::parse(password)?).await?
    };
    println!("user {} ({}) is a superuser", user.id, user.username.as_str());
    pool.close().await?;
    Ok(())
}

async fn migrate(settings: Settings, action: MigrateAction) -> anyhow::Result<()> {
    let pool = connect(&database_options(&settings)).await?;
    let db = pool.db();
    match action {
        MigrateAction::Up => migrate_up(db).await?,
        MigrateAction::Down { steps } => migrate_down(db, steps).await?,
        MigrateAction::Status => {
            for (name, applied) in migration_status(db).await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
    }
    pool.close().await?;
    Ok(())
}
