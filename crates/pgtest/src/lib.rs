//! A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary directory as
//! an unprivileged user (`postgres` through `runuser` when running as root, since `initdb` refuses
//! root), a free port on 127.0.0.1, its unix socket in the same directory, and `pg_ctl stop` when
//! the [`TempCluster`] is dropped, on a panic too.
//!
//! The server binaries come from `PG_BIN` when set, else the newest `/usr/lib/postgresql/*/bin`
//! (Debian's `postgresql` package, installed by `scripts/setup.sh test`), else `pg_config --bindir`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The bootstrap superuser's name and password in every cluster made here.
pub const SUPERUSER: &str = "postgres";
const SUPERUSER_PASSWORD: &str = "pgtest-superuser";

/// How the cluster trades durability for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync = off`: for tests, where a lost cluster is no loss.
    Fast,
    /// PostgreSQL's defaults (fsync on, synchronous commit): for benchmarks.
    Default,
}

/// A running PostgreSQL cluster that lives as long as this value.
#[derive(Debug)]
pub struct TempCluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    run_as: Option<String>,
    // Dropped after `Drop::drop` stops the server.
    _dir: tempfile::TempDir,
}

impl TempCluster {
    /// Starts a cluster tuned for tests. Panics with what to install when PostgreSQL is missing.
    pub fn start() -> Self {
        Self::start_with(Durability::Fast)
    }

    /// Starts a cluster with the given durability.
    pub fn start_with(durability: Durability) -> Self {
        let bin = server_bin_dir();
        let run_as = is_root().then(|| SUPERUSER.to_owned());
        let dir = tempfile::Builder::new()
            .prefix("promptline-pg-")
            .tempdir()
            .expect("cannot make a temp dir for the cluster");
        if let Some(user) = &run_as {
            chown_to(dir.path(), user);
        }
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, SUPERUSER_PASSWORD).expect("cannot write the password file");
        if let Some(user) = &run_as {
            chown_to(&pwfile, user);
        }
        let init = run(
            &run_as,
            &bin.join("initdb"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                SUPERUSER.as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "--auth-local=scram-sha-256".as_ref(),
                "--auth-host=scram-sha-256".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-instructions".as_ref(),
            ],
        );
        assert!(init.status.success(), "initdb failed: {}", text(&init));
        let mut cluster = Self {
            bin,
            data,
            port: 0,
            run_as,
            _dir: dir,
        };
        // A free port can be taken by someone else between asking and binding: try a few.
        for attempt in 0..5 {
            cluster.port = free_port();
            match cluster.try_start(durability) {
                Ok(()) => return cluster,
                Err(log) if attempt == 4 => panic!("cannot start PostgreSQL: {log}"),
                Err(_) => continue,
            }
        }
        unreachable!()
    }

    fn try_start(&self, durability: Durability) -> Result<(), String> {
        let socket_dir = self.socket_dir();
        let mut options = format!(
            // A small WAL: the machine's disk is shared, and a benchmark's bulk load would
            // otherwise keep a gigabyte of it between checkpoints.
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50 -c max_wal_size=256MB",
            self.port,
            socket_dir.display()
        );
        if durability == Durability::Fast {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = self.data.parent().unwrap_or(&self.data).join("server.log");
        let started = run(
            &self.run_as,
            &self.bin.join("pg_ctl"),
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        );
        if started.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}\n{}",
                text(&started),
                std::fs::read_to_string(&log).unwrap_or_default()
            ))
        }
    }

    /// The TCP port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of the server's unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.data.parent().unwrap_or(&self.data).to_path_buf()
    }

    /// A URL for `user` with `password` on database `database`, over TCP.
    pub fn url(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// The bootstrap superuser's URL for database `postgres`.
    pub fn superuser_url(&self) -> String {
        self.superuser_url_on("postgres")
    }

    /// The bootstrap superuser's URL for `database`.
    pub fn superuser_url_on(&self, database: &str) -> String {
        self.url(SUPERUSER, SUPERUSER_PASSWORD, database)
    }

    /// Runs SQL through `psql` as `user`/`password` on `database` and returns its output: plain
    /// SQL as a user would type it. Fails (`Err` with psql's messages) when any statement fails.
    pub fn psql(
        &self,
        user: &str,
        password: &str,
        database: &str,
        sql: &str,
    ) -> Result<String, String> {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                user,
                "-d",
                database,
                "-c",
                sql,
            ])
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .expect("cannot run psql");
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(text(&output))
        }
    }

    /// Runs SQL as the bootstrap superuser on `database`; panics when it fails.
    pub fn superuser_sql(&self, database: &str, sql: &str) -> String {
        self.psql(SUPERUSER, SUPERUSER_PASSWORD, database, sql)
            .unwrap_or_else(|e| panic!("superuser SQL failed: {e}\n{sql}"))
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let _ = run(
            &self.run_as,
            &self.bin.join("pg_ctl"),
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
    }
}

fn server_bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return dir.into();
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match from_pg_config {
        Some(bin) if bin.join("initdb").exists() => bin,
        _ => panic!(
            "PostgreSQL's server binaries are missing: run `scripts/setup.sh test` (installs Debian's \
             `postgresql`), or set PG_BIN to the directory holding initdb and pg_ctl"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_to(path: &Path, user: &str) {
    let status = Command::new("chown")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .expect("cannot run chown");
    assert!(status.success(), "cannot give {} to {user}", path.display());
}

fn run(run_as: &Option<String>, program: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let mut command = match run_as {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    command
        .args(args)
        // The server must not inherit a test's locale surprises or a caller's PG* settings.
        .env("LC_ALL", "C")
        .env_remove("PGDATA")
        .current_dir("/")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("no free port on 127.0.0.1")
}
