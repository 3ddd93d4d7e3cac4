//! Who holds the store. sled locks its database for one process; the lock says nothing about
//! which process, so every process that opens the store writes its pid to `STORE/govtrust.pid`
//! and removes it when its last handle closes. A command that finds the store locked names the
//! holder from that file and says what to do instead ([`held_message`]). The lock, not the file,
//! decides who may open: a pid file left by a killed process is overwritten by the next opener,
//! and one whose process is gone is reported as stale, never as a holder.

use std::path::{Path, PathBuf};

/// The pid file's name inside the store directory.
pub const PID_FILE: &str = "govtrust.pid";

/// This process's pid in the store's pid file, removed when the last handle drops.
pub(crate) struct PidFile {
    path: PathBuf,
    pid: u32,
}

impl PidFile {
    /// Writes the pid file of an opened store. Failing to write it costs only the holder's name
    /// in another command's message, so it is logged, not fatal.
    pub(crate) fn write(dir: &Path) -> PidFile {
        let path = dir.join(PID_FILE);
        let pid = std::process::id();
        if let Err(e) = std::fs::write(&path, format!("{pid}\n")) {
            tracing::warn!(file = %path.display(), error = %e, "cannot write the store's pid file");
        }
        PidFile { path, pid }
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Only our own: a file naming another pid is not ours to remove.
        if read_pid(&self.path) == Some(self.pid) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_pid(file: &Path) -> Option<u32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// Whether a process with this pid exists.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // Without /proc, trust the file: the store is locked, so somebody holds it.
        true
    }
}

/// The pid the store's pid file names, when that process is alive.
pub fn holder(dir: &Path) -> Option<u32> {
    read_pid(&dir.join(PID_FILE)).filter(|&p| alive(p))
}

/// What a command that cannot open a held store tells the operator, in Chinese.
pub fn held_message(dir: &Path, pid: Option<u32>) -> String {
    let who = match pid {
        Some(p) => format!("另一个 govtrust 进程（pid {p}）"),
        None => format!(
            "另一个进程（{} 不存在或已过期，无法得知其 pid）",
            dir.join(PID_FILE).display()
        ),
    };
    let stop = match pid {
        Some(p) => format!("systemctl stop govtrust，或 kill -TERM {p}"),
        None => "systemctl stop govtrust".to_string(),
    };
    format!(
        "存储 {} 正被{who}打开，本命令不能同时使用它。\n\
         若该进程是 govtrust serve：查询请用它的页面和 JSON API；立即运行一次监测用 POST /api/runs，\
         生成报告用 POST /api/report，备份用 POST /api/backup（均需写入令牌，见 docs/operations.md）。\n\
         否则请先停止该进程（{stop}），等它退出后再执行本命令。",
        dir.display()
    )
}

/// Whether a sled open error is the lock another process holds.
pub(crate) fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_pid_file_names_nobody() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // A pid far above any pid_max: no such process.
        std::fs::write(dir.path().join(PID_FILE), "4999999\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(holder(dir.path()), None);
        assert!(held_message(dir.path(), None).contains("已过期"));
        std::fs::write(dir.path().join(PID_FILE), "garbage").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(holder(dir.path()), None);
    }

    #[test]
    fn the_pid_file_is_ours_until_dropped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = PidFile::write(dir.path());
        assert_eq!(
            read_pid(&dir.path().join(PID_FILE)),
            Some(std::process::id())
        );
        drop(f);
        assert!(!dir.path().join(PID_FILE).exists());
        // Another pid's file is left alone.
        std::fs::write(dir.path().join(PID_FILE), "1\n").unwrap_or_else(|e| panic!("{e}"));
        drop(PidFile {
            path: dir.path().join(PID_FILE),
            pid: std::process::id(),
        });
        assert!(dir.path().join(PID_FILE).exists());
    }

    #[test]
    fn the_message_names_the_pid_and_the_way_out() {
        let m = held_message(Path::new("st"), Some(4242));
        assert!(
            m.contains("pid 4242") && m.contains("kill -TERM 4242"),
            "{m}"
        );
        assert!(
            m.contains("POST /api/runs") && m.contains("POST /api/report"),
            "{m}"
        );
    }
}
