//! Interrupted, resumed, diverging and repeated training runs, and bad
//! command-line values: one-line errors, non-zero exits, bit-identical
//! results.
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("harness-rel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str], out: &Path) -> Output {
    harness().args(args).arg("--out").arg(out).output().expect("run harness")
}

/// metrics.json without the fields that measure time or threads.
fn metrics_without_timing(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("seconds_per_epoch");
    o.remove("threads");
    v
}

fn same_run(a: &Path, b: &Path) {
    let (wa, wb) = (
        std::fs::read(a.join("weights.safetensors")).unwrap(),
        std::fs::read(b.join("weights.safetensors")).unwrap(),
    );
    let first = wa.iter().zip(&wb).position(|(x, y)| x != y);
    assert!(
        wa.len() == wb.len() && first.is_none(),
        "weights differ (lengths {} and {}, first at byte {first:?})",
        wa.len(),
        wb.len()
    );
    assert_eq!(metrics_without_timing(a), metrics_without_timing(b), "metrics differ");
}

fn one_line_error(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "expected failure, stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(err.lines().count(), 1, "stderr is not one line: {err:?}");
    err
}

/// Interrupts a run by SIGINT once its first checkpoint exists, resumes it,
/// and checks the result against an uninterrupted run.
fn interrupt_and_resume(cmd: &[&str], sub: &str, name: &str) {
    let (full, cut) = (tmp(&format!("{name}-full")), tmp(&format!("{name}-cut")));
    let o = run(&[cmd, &["--threads", "2"]].concat(), &full);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let child = harness()
        .args(cmd)
        .args(["--threads", "1", "--out"])
        .arg(&cut)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ckpt = cut.join(sub).join("checkpoint.safetensors");
    let start = Instant::now();
    while !ckpt.exists() {
        assert!(start.elapsed() < Duration::from_secs(120), "no checkpoint appeared");
        std::thread::sleep(Duration::from_millis(2));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("interrupted after step"),
        "the run was not interrupted: {err}"
    );
    assert!(!cut.join(sub).join("metrics.json").exists());

    let o = harness().args(cmd).args(["--threads", "2", "--resume"]).arg(&cut).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same_run(&full.join(sub), &cut.join(sub));
    // A resume with other settings is refused in one line.
    let o = harness().args(cmd).args(["--seed", "99", "--resume"]).arg(&cut).output().unwrap();
    assert!(one_line_error(&o).contains("other settings"));
    let _ = std::fs::remove_dir_all(&full);
    let _ = std::fs::remove_dir_all(&cut);
}

#[test]
fn autoencoder_resumes_bit_identically_after_sigint() {
    let cmd = [
        "autoencoder",
        "--loss",
        "bce",
        "--batch",
        "50",
        "--epochs",
        "40",
        "--train-subset",
        "1000",
        "--lr",
        "0.01",
    ];
    interrupt_and_resume(&cmd, "autoencoder/bce", "ae");
}

#[test]
fn vae_resumes_bit_identically_after_sigint() {
    let cmd = [
        "vae",
        "--objective",
        "elbo",
        "--batch",
        "64",
        "--epochs",
        "12",
        "--train-subset",
        "512",
    ];
    interrupt_and_resume(&cmd, "vae/elbo", "vae");
}

#[test]
fn same_seed_gives_the_same_bits_for_any_thread_count() {
    for (cmd, sub) in [
        (
            &[
                "autoencoder",
                "--loss",
                "square",
                "--batch",
                "70",
                "--epochs",
                "2",
                "--train-subset",
                "700",
            ][..],
            "autoencoder/square",
        ),
        (
            &[
                "vae",
                "--objective",
                "assignment",
                "--batch",
                "100",
                "--epochs",
                "1",
                "--train-subset",
                "300",
            ][..],
            "vae/assignment",
        ),
        // 13 chunks of 100 over 8 shards of 1 or 2 chunks: uneven shards.
        (
            &["autoencoder", "--batch", "full", "--epochs", "2", "--train-subset", "1300"][..],
            "autoencoder/bce",
        ),
        // Batches of 300: chunks of 64, 64, 64, 64, 44 (fewer chunks than shards).
        (
            &[
                "vae",
                "--objective",
                "elbo",
                "--batch",
                "300",
                "--epochs",
                "1",
                "--train-subset",
                "600",
            ][..],
            "vae/elbo",
        ),
    ] {
        let dirs = [tmp("det-1"), tmp("det-2"), tmp("det-3")];
        for (threads, dir) in ["1", "2", "3"].iter().zip(&dirs) {
            assert!(run(&[cmd, &["--threads", threads]].concat(), dir).status.success());
        }
        same_run(&dirs[0].join(sub), &dirs[1].join(sub));
        same_run(&dirs[0].join(sub), &dirs[2].join(sub));
        for dir in &dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn divergence_stops_with_the_step_and_keeps_the_checkpoint() {
    let out = tmp("diverge");
    let o = run(&["autoencoder", "--lr", "1e30", "--epochs", "5", "--train-subset", "200"], &out);
    let err = one_line_error(&o);
    assert!(err.contains("diverged at step"), "{err}");
    assert!(
        out.join("autoencoder/bce/checkpoint.safetensors").exists(),
        "the last good checkpoint is gone"
    );
    assert!(!out.join("autoencoder/bce/metrics.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_option_values_give_one_line_errors() {
    let out = tmp("bad");
    for args in [
        &["autoencoder", "--hidden", "0"][..],
        &["autoencoder", "--hidden", "17", "--epochs", "1", "--train-subset", "100"],
        &["autoencoder", "--batch", "0"],
        &["autoencoder", "--batch", "many"],
        &["autoencoder", "--epochs", "0"],
        &["autoencoder", "--lr", "-1"],
        &["autoencoder", "--lr", "0"],
        &["autoencoder", "--lr", "NaN"],
        &["autoencoder", "--lr", "inf"],
        &["autoencoder", "--loss", "hinge"],
        &["autoencoder", "--activation", "gelu"],
        &["autoencoder", "--threads", "0"],
        &["autoencoder", "--checkpoint-every", "-3"],
        &["vae", "--objective", "gan"],
        &["vae", "--epochs", "0"],
        &[
            "vae",
            "--latent",
            "7",
            "--objective",
            "elbo",
            "--epochs",
            "1",
            "--train-subset",
            "100",
        ],
        &["vae", "--latent", "20", "--objective", "assignment"],
        &["autoencoder", "--data-dir", "/nonexistent/mnist"],
        &[
            "autoencoder",
            "--resume",
            "/nonexistent/run",
            "--epochs",
            "1",
            "--train-subset",
            "100",
        ],
        &["no-such-command"],
    ] {
        let o = run(args, &out);
        let err = one_line_error(&o);
        assert!(!err.is_empty(), "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_weights_files_give_one_line_errors() {
    let out = tmp("weights");
    for loss in ["bce", "square"] {
        assert!(
            run(&["autoencoder", "--loss", loss, "--epochs", "1", "--train-subset", "100"], &out)
                .status
                .success()
        );
    }
    let w = out.join("autoencoder/bce/weights.safetensors");
    let good = std::fs::read(&w).unwrap();
    let slices = |out: &Path| {
        harness()
            .args(["autoencoder-slices", "--quick", "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    assert!(slices(&out).status.success());
    // Truncated, corrupted header, garbage, empty.
    for bad in [
        good[..good.len() / 2].to_vec(),
        [b"\xff\xff\xff\xff\xff\xff\xff\x7f".to_vec(), good[8..].to_vec()].concat(),
        b"not a tensor file".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&w, &bad).unwrap();
        let err = one_line_error(&slices(&out));
        assert!(err.contains("weights.safetensors"), "{err}");
    }
    // Weights of another shape (H = 16 written where metrics say 30), and wrong names.
    let other = tmp("weights-other");
    assert!(
        run(&["autoencoder", "--hidden", "16", "--epochs", "1", "--train-subset", "100"], &other)
            .status
            .success()
    );
    std::fs::copy(other.join("autoencoder/bce/weights.safetensors"), &w).unwrap();
    assert!(one_line_error(&slices(&out)).contains("shape"));
    let renamed: Vec<u8> = String::from_utf8_lossy(&good).replacen("\"w1\"", "\"W1\"", 1).into_bytes();
    if renamed.len() == good.len() {
        std::fs::write(&w, &renamed).unwrap();
        assert!(one_line_error(&slices(&out)).contains("w1"));
    }
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&other);
}
