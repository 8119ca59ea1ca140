//! The `nanos-store` binary; everything lives in the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    nanos_store::cli::run().await
}
