//! `todo-api`: serves the API (the default), runs migrations, prints the OpenAPI
//! document. Configuration comes from defaults, `config/<environment>.toml` and
//! `APP_...` variables; see the README.

use clap::{Parser, Subcommand};
use mimalloc::MiMalloc;
use todo_adapters_db::{connect, migrate_down, migrate_up, migration_status};
use todo_bootstrap::{Application, Settings, database_options, telemetry};

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
    /// Apply pending migrations (unless configured not to) and serve HTTP. The default.
    Serve,
    /// Print the OpenAPI document (the one served at /openapi.json) and exit.
    Openapi,
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

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        // Needs no configuration and no database, so that it runs anywhere.
        Command::Openapi => println!("{}", todo_adapters_http::openapi::document().to_pretty_json()?),
        Command::Serve => serve(configured()?).await?,
        Command::Migrate { action } => migrate(configured()?, action).await?,
    }
    Ok(())
}

/// The settings of this process, with logging set up as they say.
fn configured() -> anyhow::Result<Settings> {
    let settings = Settings::load()?;
    telemetry::init(&settings.log)?;
    Ok(settings)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(settings = %settings.summary(), "starting");
    let (host, environment) = (settings.server.host.clone(), settings.environment);
    let application = Application::build(settings).await?;
    tracing::info!(?environment, "listening on http://{host}:{}", application.port());
    application.run_until_stopped().await?;
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
