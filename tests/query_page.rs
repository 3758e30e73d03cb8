//! The query page in a real browser: headless Chromium (Debian's `chromium`, installed by
//! scripts/setup) loads `/`, runs the first example query on its own and shows its rows.

mod common;

use std::process::Command;

#[tokio::test]
async fn the_query_page_runs_an_example_and_shows_rows_in_chromium() {
    let app = common::spawn_app().await;
    let url = app.url("/?example=0&run=1");
    let profile = tempfile::tempdir().unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--virtual-time-budget=20000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .output()
    })
    .await
    .unwrap()
    .expect("chromium runs (scripts/setup installs Debian's chromium package)");
    let dom = String::from_utf8_lossy(&output.stdout);
    let body = dom.split("<tbody").nth(1).unwrap_or_default();
    let rows = body.matches("<tr").count();
    assert!(rows > 0, "no result rows in the page; chromium said: {}", String::from_utf8_lossy(&output.stderr));
    let status = dom.split(r#"id="status""#).nth(1).unwrap_or_default();
    assert!(status.split("</p>").next().unwrap_or_default().contains("rows"), "status line: {status:.200}");
}
