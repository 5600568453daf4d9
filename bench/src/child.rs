//! The measured child processes: the `yardstick` binary (and this harness's
//! own `step`) run as a user runs them, each timed from start to exit, with
//! its peak RSS read by a parent's `wait4` (rusage `ru_maxrss`, KiB on
//! Linux), never reported by the child itself.
//!
//! Why a wrapper: Linux folds the memory of the process a child was forked
//! from into the child's `ru_maxrss` when it execs (`exec_mmap` keeps the
//! old address space's high-water mark). With `posix_spawn`, which the
//! standard library uses, that is the spawning process's *peak*: the harness,
//! which has held a 10M-run database open in process by the time it ingests
//! the large file, would have every child reported at its own peak. So each
//! measured program is started by a fresh copy of this binary
//! (`yardstick-bench measure --report FILE -- PROGRAM ARGS…`), whose own
//! memory is a few MiB: it spawns the program, waits for it with `wait4`, and
//! writes the pid (at once), the wall time, the peak RSS and the exit status
//! to FILE as JSON, then exits with the program's status. Standard input,
//! output and error pass through it untouched.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The environment variable naming the `yardstick` binary to measure.
pub(crate) const YARDSTICK_BIN_ENV: &str = "YARDSTICK_BIN";

/// `yardstick-bench measure`: run one program and report how it ran.
#[derive(Debug, clap::Args)]
pub(crate) struct MeasureArgs {
    /// Where to write the report (JSON): the program's pid once it runs,
    /// then its wall time, peak RSS and exit status.
    #[arg(long)]
    report: PathBuf,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true)]
    command: Vec<OsString>,
}

/// What `measure` writes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Report {
    pid: u32,
    /// Spawn to exit, seconds; absent while the program runs.
    wall_s: Option<f64>,
    /// `ru_maxrss` from `wait4`: KiB on Linux.
    max_rss_kib: Option<u64>,
    /// The exit status as the standard library prints it.
    status: Option<String>,
}

/// Runs `measure`: spawns the program, reaps it with `wait4`, writes the
/// report and returns the program's exit status (128 + the signal when a
/// signal ended it).
pub(crate) fn measure(args: &MeasureArgs) -> anyhow::Result<ExitCode> {
    let (program, rest) = args
        .command
        .split_first()
        .context("no program to measure")?;
    let started = Instant::now();
    // Nothing of this process is needed by the program: it starts from the
    // few MiB this wrapper holds.
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .with_context(|| format!("cannot run {}", Path::new(program).display()))?;
    let pid = child.id();
    write_report(
        &args.report,
        &Report {
            pid,
            ..Report::default()
        },
    )?;
    let (status, max_rss_kib) = wait4(pid)?;
    let wall_s = started.elapsed().as_secs_f64();
    // The program is reaped: the handle must not wait for it again.
    drop(child);
    write_report(
        &args.report,
        &Report {
            pid,
            wall_s: Some(wall_s),
            max_rss_kib: Some(max_rss_kib),
            status: Some(status.to_string()),
        },
    )?;
    Ok(exit_code(status))
}

/// Waits for process `pid` and returns its exit status and peak RSS (KiB).
#[cfg(target_os = "linux")]
fn wait4(pid: u32) -> anyhow::Result<(std::process::ExitStatus, u64)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(pid)?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types.
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4");
        }
    }
    let kib = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    Ok((std::process::ExitStatus::from_raw(status), kib))
}

#[cfg(not(target_os = "linux"))]
fn wait4(_pid: u32) -> anyhow::Result<(std::process::ExitStatus, u64)> {
    bail!("the harness reads peak memory with Linux's wait4; this is not Linux")
}

fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    match (status.code(), signal) {
        (Some(c), _) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        (None, Some(s)) => ExitCode::from(u8::try_from(128 + s).unwrap_or(1)),
        (None, None) => ExitCode::FAILURE,
    }
}

/// Writes the report whole: a reader never sees half of it.
fn write_report(path: &Path, report: &Report) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(report)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn read_report(path: &Path) -> Option<Report> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Where the `yardstick` binary is: `given` (`--yardstick`, or
/// `YARDSTICK_BIN`), else beside this executable, where Cargo puts every
/// binary of the workspace it builds.
pub(crate) fn locate_yardstick(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()
            .context("cannot find the running harness")?
            .parent()
            .context("the harness has no folder")?
            .join(format!("yardstick{}", std::env::consts::EXE_SUFFIX)),
    };
    if !path.is_file() {
        bail!(
            "no yardstick binary at {}: build it first (`cargo build --bins`, with the \
             harness's profile), or name it with --yardstick or {YARDSTICK_BIN_ENV}",
            path.display()
        );
    }
    Ok(path)
}

/// What a measured child process did.
pub(crate) struct ChildRun {
    pub(crate) wall: Duration,
    pub(crate) peak_rss_mib: f64,
    pub(crate) stdout: String,
}

/// Starts measured programs: the `yardstick` binary and this harness's own
/// steps, each through `measure`.
pub(crate) struct Runner {
    /// The `yardstick` binary.
    pub(crate) yardstick: PathBuf,
    /// This harness (the wrapper, and its own measured steps).
    harness: PathBuf,
    /// The work folder, for the reports.
    dir: PathBuf,
}

impl Runner {
    pub(crate) fn new(yardstick: PathBuf, dir: &Path) -> anyhow::Result<Runner> {
        Ok(Runner {
            yardstick,
            harness: std::env::current_exe().context("cannot find the running harness")?,
            dir: dir.to_path_buf(),
        })
    }

    /// `yardstick ARGS…`, measured.
    pub(crate) fn yardstick(&self, args: &[&str]) -> anyhow::Result<ChildRun> {
        self.run(&self.yardstick, args)
    }

    /// `yardstick-bench ARGS…` (one of the harness's own steps), measured.
    pub(crate) fn harness(&self, args: &[&str]) -> anyhow::Result<ChildRun> {
        self.run(&self.harness, args)
    }

    /// The wrapper's command line for `program`, reporting to `report`.
    fn wrapped(&self, report: &Path, program: &Path) -> Command {
        let _ = std::fs::remove_file(report);
        let mut c = Command::new(&self.harness);
        c.arg("measure")
            .arg("--report")
            .arg(report)
            .arg("--")
            .arg(program)
            .env("YARDSTICK_LOG", "warn");
        c
    }

    fn run(&self, program: &Path, args: &[&str]) -> anyhow::Result<ChildRun> {
        let report = self.dir.join("child.json");
        let name = program.file_name().map_or_else(
            || program.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let out = self
            .wrapped(&report, program)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .output()
            .with_context(|| format!("cannot run {}", self.harness.display()))?;
        if !out.status.success() {
            bail!(
                "`{name} {}` failed ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let r = read_report(&report).context("the measured run left no report")?;
        let (Some(wall_s), Some(kib)) = (r.wall_s, r.max_rss_kib) else {
            bail!("the report of `{name}` is incomplete");
        };
        Ok(ChildRun {
            wall: Duration::from_secs_f64(wall_s),
            peak_rss_mib: kib as f64 / 1024.0,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        })
    }

    /// Starts `yardstick ARGS…` in the background (a server), measured; its
    /// report is `NAME.json` in the work folder. Standard output is dropped
    /// and standard error shown.
    pub(crate) fn spawn_yardstick(&self, name: &str, args: &[&str]) -> anyhow::Result<Running> {
        let report = self.dir.join(format!("{name}.json"));
        let wrapper = self
            .wrapped(&report, &self.yardstick)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot run {}", self.harness.display()))?;
        Ok(Running { wrapper, report })
    }
}

/// A measured program running in the background.
pub(crate) struct Running {
    wrapper: Child,
    report: PathBuf,
}

impl Running {
    /// The program's own pid (not the wrapper's), once it has started.
    pub(crate) fn pid(&mut self) -> anyhow::Result<u32> {
        let t = Instant::now();
        loop {
            if let Some(r) = read_report(&self.report) {
                return Ok(r.pid);
            }
            if let Some(status) = self.wrapper.try_wait()? {
                bail!("the measured program did not start ({status})");
            }
            if t.elapsed() > Duration::from_secs(60) {
                bail!("the measured program did not start within a minute");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the program (through its wrapper) has ended.
    pub(crate) fn ended(&mut self) -> anyhow::Result<bool> {
        Ok(self.wrapper.try_wait()?.is_some())
    }

    /// Stops the program with SIGTERM (a server finishes what is in flight)
    /// and returns its peak RSS in MiB.
    pub(crate) fn stop(mut self) -> anyhow::Result<f64> {
        let pid = self.pid()?;
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        self.wrapper.wait()?;
        let r = read_report(&self.report).context("the measured program left no report")?;
        let kib = r
            .max_rss_kib
            .context("the measured program's report has no peak RSS")?;
        Ok(kib as f64 / 1024.0)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn measure_reports_the_programs_status_and_peak() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        let args = MeasureArgs {
            report: report.clone(),
            command: ["sh", "-c", "exit 3"].map(OsString::from).to_vec(),
        };
        let code = measure(&args).unwrap();
        assert_eq!(code, ExitCode::from(3));
        let r = read_report(&report).unwrap();
        assert_eq!(r.status.as_deref(), Some("exit status: 3"));
        assert!(r.max_rss_kib.unwrap() > 0, "{r:?}");
        assert!(r.wall_s.unwrap() > 0.0, "{r:?}");
    }

    #[test]
    fn a_missing_yardstick_binary_says_how_to_build_it() {
        let e = locate_yardstick(Some(Path::new("/nonexistent/yardstick"))).unwrap_err();
        assert!(e.to_string().contains("cargo build --bins"), "{e}");
    }
}
