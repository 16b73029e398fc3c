//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, the server on a free
//! loopback port with its socket in that dir, trust authentication for the `postgres` user,
//! stopped by its PID (from `postmaster.pid`) when dropped.
//!
//! PostgreSQL refuses to run as root: as root, the cluster belongs to `nobody` and its commands
//! run through `runuser`. The binaries are found on `PATH` or under Debian's
//! `/usr/lib/postgresql/*/bin`; `tests/run.sh` installs the `postgresql` package when missing.
//! Without them [`TestPostgres::start`] fails saying so, never skips.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A running cluster, stopped when dropped.
pub struct TestPostgres {
    dir: TempDir,
    port: u16,
}

impl TestPostgres {
    /// Creates and starts a cluster; `pg_ctl start -w` returns once it accepts connections.
    pub fn start() -> TestPostgres {
        let bin = binaries();
        let dir = tempfile::tempdir().unwrap();
        let as_root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if as_root {
            std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).unwrap();
        }
        let data = dir.path().join("data");
        let run = |program: &str, args: &[&str]| {
            let program = bin.join(program);
            let mut command = if as_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "nobody", "--"]).arg(&program);
                c
            } else {
                Command::new(&program)
            };
            let output = command.args(args).output().unwrap();
            assert!(
                output.status.success(),
                "{} {args:?}: {}{}",
                program.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let data_arg = data.to_str().unwrap();
        run(
            "initdb",
            &[
                "-D",
                data_arg,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        let log = dir.path().join("postgres.log");
        run(
            "pg_ctl",
            &[
                "-D",
                data_arg,
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        TestPostgres { dir, port }
    }

    /// The URL of the `postgres` database as the `postgres` user.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's PID, from the first line of `postmaster.pid`.
    fn pid(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).ok()?;
        text.lines().next().map(str::to_owned)
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown, nothing of this throwaway cluster is worth a checkpoint.
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").args(["-QUIT", &pid]).status();
            for _ in 0..100 {
                if !Path::new(&format!("/proc/{pid}")).exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

/// The directory of `initdb` and `pg_ctl`.
fn binaries() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists());
    let debian = || {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .filter(|bin| bin.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    };
    on_path.or_else(debian).expect(
        "PostgreSQL's initdb and pg_ctl are needed (Debian: apt-get install postgresql; tests/run.sh does it)",
    )
}
