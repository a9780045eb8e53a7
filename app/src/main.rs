//! The server binary: `app` serves the web app; `app create-user` adds a user.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    app::server::main().await
}
