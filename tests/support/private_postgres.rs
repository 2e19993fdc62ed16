//! A PostgreSQL server of a test's own: a private data directory on a free port, started and
//! stopped by the test (to take the database away and bring it back), removed when dropped.
//!
//! Uses Debian's PostgreSQL binaries (`initdb`, `pg_ctl` on PATH or under
//! `/usr/lib/postgresql/*/bin`). initdb refuses to run as root, so as root the server runs as the
//! `postgres` user (`runuser`), which Debian's package creates.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

/// Where `initdb` and `pg_ctl` are, if PostgreSQL's server binaries are installed.
fn binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let debian =
        std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|entry| entry.path().join("bin"));
    on_path.chain(debian).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

impl PrivatePostgres {
    /// Initialises and starts a server, or `None` (with the reason printed) when PostgreSQL's
    /// server binaries are not installed. `bash .ci/ensure-databases` installs them.
    pub fn start() -> Option<Self> {
        let Some(bin) = binaries() else {
            eprintln!(
                "SKIPPED: this test starts and stops a PostgreSQL of its own, and no initdb/pg_ctl was found \
                 (on PATH or under /usr/lib/postgresql/*/bin). Run `bash .ci/ensure-databases`."
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("ravyn-private-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let as_postgres = is_root();
        let server = PrivatePostgres { bin, dir, port, as_postgres };
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&server.dir).status().unwrap();
            assert!(status.success(), "chown of the private data directory to postgres failed");
        }
        let data = server.data_dir();
        server.run("initdb", &["-D", path(&data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
        server.start_again();
        Some(server)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when we are root); panics with its output
    /// if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command.args(args).current_dir(&self.dir).output().unwrap();
        assert!(
            output.status.success(),
            "{} {args:?} failed: {}\n{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts (or restarts) the server on its port and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!("-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", self.port, path(&self.dir));
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &["-D", path(&self.data_dir()), "-o", &options, "-l", path(&log), "-w", "-t", "30", "start"],
        );
    }

    /// Stops the server at once (like a crash or a network cut, not a polite shutdown).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", path(&self.data_dir()), "-m", "immediate", "-w", "stop"]);
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new(self.bin.join("pg_ctl"))
            .args(["-D", path(&self.data_dir()), "-m", "immediate", "stop"])
            .output();
        if self.as_postgres {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-D", path(&self.data_dir()), "-m", "immediate", "stop"])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
