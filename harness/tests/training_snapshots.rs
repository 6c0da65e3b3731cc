//! Insta snapshots of the first losses of each model on fixed subsets with
//! a fixed seed (rounded to 5 significant digits so that they hold on any
//! x86-64 or aarch64 machine; the arithmetic itself is deterministic).
use harness::autoencoder::{self, AutoencoderArgs};
use harness::cli::{ActivationArg, Batch, LossArg, RunArgs};
use harness::vae::{self, Objective, VaeArgs};

fn sig5(v: &[f64]) -> String {
    v.iter().map(|x| format!("{:.5e}", x)).collect::<Vec<_>>().join("\n")
}

fn snapshot(name: &str, text: String) {
    insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"), prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

fn out(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("harness-snap-{}-{name}", std::process::id()))
}

#[test]
fn autoencoder_first_five_full_batch_losses() {
    let data = harness::mnist::load(std::path::Path::new(harness::mnist::DEFAULT_DATA_DIR), true).unwrap();
    let mut text = String::new();
    for loss in [LossArg::Bce, LossArg::Square] {
        let dir = out("ae");
        let args = AutoencoderArgs {
            loss,
            hidden: 30,
            activation: ActivationArg::Relu,
            epochs: 5,
            batch: Batch::Full,
            lr: 0.05,
            run: RunArgs::new(
                1,
                std::path::Path::new(harness::mnist::DEFAULT_DATA_DIR),
                false,
                &dir,
                2,
                Some(2000),
            ),
        };
        let m = autoencoder::run(&args, &data).unwrap();
        text += &format!("{} (eq. 98), full batch of 2000 images, seed 1:\n{}\n", m.loss, sig5(&m.loss_curve));
        let _ = std::fs::remove_dir_all(&dir);
    }
    snapshot("autoencoder_first_losses", text);
}

#[test]
fn vae_first_five_step_losses() {
    let data = harness::mnist::load(std::path::Path::new(harness::mnist::DEFAULT_DATA_DIR), true).unwrap();
    let mut text = String::new();
    for objective in [Objective::Assignment, Objective::Elbo] {
        let dir = out("vae");
        let args = VaeArgs {
            objective,
            epochs: Some(1),
            batch: Some(Batch::Mini(100)),
            lr: 1e-3,
            latent: None,
            linear_mean: false,
            run: RunArgs::new(1, std::path::Path::new(harness::mnist::DEFAULT_DATA_DIR), false, &dir, 2, Some(500)),
        };
        let m = vae::run(&args, &data).unwrap();
        text += &format!(
            "{} objective, batches of 100 from 500 images, seed 1:\n{}\n",
            m.objective,
            sig5(&m.step_losses)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    snapshot("vae_first_losses", text);
}
