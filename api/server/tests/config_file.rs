//! The configuration file as an operator uses it, through the real binary: the committed
//! example is exactly what `config example` prints, a file's settings reach the server, the
//! environment wins over the file, and unknown keys and secrets in the file are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_familygraph");

fn familygraph() -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("FAMILYGRAPH_") || key.starts_with("DATABASE_URL") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "warn").env("RUST_BACKTRACE", "0");
    command
}

#[test]
fn deploy_config_example_is_exactly_what_the_binary_prints() {
    let output = familygraph().args(["config", "example"]).output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/config.example.toml"
    );
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        printed == committed,
        "deploy/config.example.toml has drifted from the code: run \
         `cargo run -q -p familygraph -- config example > deploy/config.example.toml`"
    );
}

#[test]
fn file_settings_reach_the_server_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("familygraph.toml");
    std::fs::write(
        &config,
        "[server]\npolicy = \"/nonexistent/from-the-file.toml\"\n",
    )
    .unwrap();
    // The file names a policy file that is not there: `policy check` reads it and fails.
    let output = familygraph()
        .arg("--config")
        .arg(&config)
        .args(["policy", "check"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("/nonexistent/from-the-file.toml"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // FAMILYGRAPH_CONFIG works like --config, and the environment overrides the file.
    let builtin = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policy/familygraph-policy.toml"
    );
    let output = familygraph()
        .env("FAMILYGRAPH_CONFIG", &config)
        .env("FAMILYGRAPH_POLICY", builtin)
        .args(["policy", "check"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `config check` names the settings the file gives, never their values.
    let output = familygraph()
        .arg("--config")
        .arg(&config)
        .args(["config", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains("server.policy (FAMILYGRAPH_POLICY)"),
        "{stdout}"
    );
    assert!(!stdout.contains("from-the-file"), "{stdout}");
}

#[test]
fn unknown_keys_and_secrets_in_the_file_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "[graphql]\nmax_dept = 3\n").unwrap();
    let output = familygraph()
        .arg("--config")
        .arg(&unknown)
        .arg("schema")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown setting `graphql.max_dept`"),
        "{stderr}"
    );

    let secret = dir.path().join("secret.toml");
    std::fs::write(
        &secret,
        "[database]\nurl = \"postgres://familygraph:hunter2-not-real@db:5432/fg\"\n",
    )
    .unwrap();
    let output = familygraph()
        .arg("--config")
        .arg(&secret)
        .arg("schema")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL_FILE"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the secret was echoed: {stderr}"
    );
}

#[test]
fn flags_win_over_the_environment_and_the_environment_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("familygraph.toml");
    let dir_for = |name: &str| dir.path().join(name);
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n",
            dir_for("from-file").display().to_string()
        ),
    )
    .unwrap();
    // `token` creates the development signing key in the data directory it resolved.
    let token = |extra_env: Option<&std::path::Path>, flag: Option<&std::path::Path>| {
        let mut command = familygraph();
        command.arg("--config").arg(&config);
        if let Some(path) = extra_env {
            command.env("FAMILYGRAPH_DATA_DIR", path);
        }
        command.args(["token", "--role", "administrator"]);
        if let Some(path) = flag {
            command.arg("--data-dir").arg(path);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    token(None, None);
    assert!(
        dir_for("from-file").is_dir(),
        "the file's data_dir was not used"
    );
    token(Some(&dir_for("from-env")), None);
    assert!(
        dir_for("from-env").is_dir(),
        "the environment did not win over the file"
    );
    token(Some(&dir_for("from-env-2")), Some(&dir_for("from-flag")));
    assert!(dir_for("from-flag").is_dir(), "the flag did not win");
    assert!(!dir_for("from-env-2").exists());
}
