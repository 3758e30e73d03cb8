//! The `govgate` binary: configuration errors are one line with a non-zero exit code,
//! never a panic; `config show` and `--version` tell the truth.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn govgate() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_govgate"));
    // Port 0 for the admin listener too, so tests in parallel never collide.
    command.env_remove("GOVGATE_CONFIG").env("GOVGATE_LOG__FILTER", "warn").env("GOVGATE_ADMIN__BIND", "127.0.0.1:0");
    command
}

fn assert_one_line_failure(output: &Output, code: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` not in: {stderr}");
    }
}

#[test]
fn an_unknown_key_in_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("govgate.toml");
    std::fs::write(&file, "[http]\nbind = \"127.0.0.1:0\"\nbodylimit = 5\n").unwrap();
    let output = govgate().arg("--config").arg(&file).args(["config", "show"]).output().unwrap();
    assert_one_line_failure(&output, 3, &["bodylimit", "govgate.toml"]);
}

#[test]
fn an_unknown_environment_key_is_named() {
    let output = govgate().env("GOVGATE_HTTP__BINDD", "x").args(["config", "show"]).output().unwrap();
    assert_one_line_failure(&output, 3, &["bindd"]);
}

#[test]
fn a_bad_port_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output =
        govgate().arg("--data-dir").arg(dir.path()).args(["serve", "--bind", "127.0.0.1:99999"]).output().unwrap();
    assert_one_line_failure(&output, 3, &["http.bind"]);
}

#[test]
fn a_missing_config_file_is_named() {
    let output = govgate().args(["--config", "/nonexistent/govgate.toml", "config", "show"]).output().unwrap();
    assert_one_line_failure(&output, 3, &["/nonexistent/govgate.toml"]);
}

#[test]
fn an_unusable_data_dir_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let data_dir = file.join("data");
    let output = govgate().arg("--data-dir").arg(&data_dir).args(["serve", "--bind", "127.0.0.1:0"]).output().unwrap();
    assert_one_line_failure(&output, 4, &["not writable", "a-file/data"]);
}

#[test]
fn a_data_dir_held_by_another_govgate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = govgate()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(first.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("govgate listening on http://127.0.0.1:"), "{line}");

    let second = govgate().arg("--data-dir").arg(dir.path()).args(["serve", "--bind", "127.0.0.1:0"]).output().unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    assert_one_line_failure(&second, 4, &["in use by another govgate process"]);
}

#[test]
fn config_show_prints_every_layer_merged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("govgate.toml");
    std::fs::write(&file, "data_dir = \"/srv/govgate\"\n[http]\nbind = \"127.0.0.1:9000\"\nworkers = 3\n").unwrap();
    let output = govgate()
        .arg("--config")
        .arg(&file)
        .env("GOVGATE_HTTP__WORKERS", "4")
        .args(["--log-format", "json", "config", "show"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shown: toml::Value = toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    assert_eq!(shown["data_dir"].as_str(), Some("/srv/govgate"), "file layer");
    assert_eq!(shown["http"]["bind"].as_str(), Some("127.0.0.1:9000"), "file layer");
    assert_eq!(shown["http"]["workers"].as_integer(), Some(4), "environment beats file");
    assert_eq!(shown["log"]["format"].as_str(), Some("json"), "flag beats all");
    assert_eq!(shown["http"]["body_limit_bytes"].as_integer(), Some(10 * 1024 * 1024), "default");
}

#[test]
fn version_names_the_ontology_release_and_help_the_exit_codes() {
    let version = govgate().arg("--version").output().unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert!(version.contains(&format!("ontology release {}", govgate::content::ONTOLOGY_RELEASE)), "{version}");
    let help = govgate().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("Exit codes:") && help.contains("store unavailable"), "{help}");
}

#[test]
fn query_answers_from_the_embedded_store_in_the_format_asked() {
    let dir = tempfile::tempdir().unwrap();
    let count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/govgate/core#Instrument> }";
    let output =
        govgate().arg("--data-dir").arg(dir.path()).args(["query", count, "--format", "csv"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let csv = String::from_utf8(output.stdout).unwrap();
    let n: u32 = csv.lines().nth(1).unwrap().trim().parse().unwrap();
    assert!(n >= 40, "{csv}");
    let graph = govgate()
        .args(["query", "--in-memory", "DESCRIBE <https://w3id.org/govgate/eli/cn/pipl/art_38>", "--format", "nt"])
        .output()
        .unwrap();
    assert!(String::from_utf8(graph.stdout).unwrap().contains("PIPL Art. 38"));
    let bad = govgate().arg("--data-dir").arg(dir.path()).args(["query", "SELECT * WHERE { ?s ?p }"]).output().unwrap();
    assert_one_line_failure(&bad, 5, &["syntax error", "1:25"]);
}

#[test]
fn a_query_does_not_open_the_exchange() {
    // A configuration whose exchange material is out of reach (as on a machine where only
    // the gateway's service account can read the keys): queries still answer.
    let output = govgate()
        .env("GOVGATE_EXCHANGE__ENABLED", "true")
        .env("GOVGATE_EXCHANGE__AGENCY", "eu-ai-office")
        .env("GOVGATE_EXCHANGE__DIRECTORY", "/nonexistent/directory.json")
        .env("GOVGATE_EXCHANGE__DIRECTORY_KEY", "not-a-key")
        .env("GOVGATE_EXCHANGE__CERTIFICATE", "/nonexistent/cert.pem")
        .env("GOVGATE_EXCHANGE__PRIVATE_KEY", "/nonexistent/key.pem")
        .env("GOVGATE_EXCHANGE__SIGNING_KEY", "/nonexistent/sign.pem")
        .env("GOVGATE_EXCHANGE__SIGNING_KID", "eu-1")
        .env("GOVGATE_EXCHANGE__CRLS", "[/nonexistent/ca.crl]")
        .args(["query", "--in-memory", "ASK { ?s a <https://w3id.org/govgate/core#Instrument> }"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8(output.stdout).unwrap().contains("true"));
}
