//! What the tests of the binary share: the binary itself, with a clean environment, and a
//! served process whose log lines the test reads as they come.
#![allow(dead_code, reason = "each test file uses its own part")]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const BINARY: &str = env!("CARGO_BIN_EXE_todo-api");
pub const SECRET: &str = "a production secret that is long enough to sign with";

pub fn todo_api(working_dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(working_dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.kill_on_drop(true);
    command
}

/// A served process, its address, and its log lines as they come.
pub struct Served {
    pub child: Child,
    pub address: String,
    /// Lines logged up to and including "listening on".
    pub startup_log: Vec<String>,
    pub log: tokio::sync::mpsc::UnboundedReceiver<String>,
}

pub async fn serve(working_dir: &Path, env: &[(&str, &str)]) -> Served {
    let mut child = todo_api(working_dir)
        .arg("serve")
        .env("APP_SERVER__PORT", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (sender, mut log) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut startup_log = Vec::new();
    let address = loop {
        let line = tokio::time::timeout_at(deadline.into(), log.recv()).await.unwrap().expect("exited early");
        let address = line
            .split_once("listening on http://")
            .map(|(_, rest)| rest.split(['"', ' ']).next().unwrap().to_owned());
        startup_log.push(line);
        if let Some(address) = address {
            break format!("http://{address}");
        }
    };
    Served { child, address, startup_log, log }
}
