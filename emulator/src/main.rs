//! chat-recall-emulator: a local stand-in for the Tencent Cloud Chat REST API (see --help).

mod api;
mod config;
mod demo;
mod faults;
mod rng;
mod server;
mod state;
mod stats;
mod webhook;

use std::io::Write;
use std::sync::Arc;

use chat_recall_core::usersig::{generate, SignRequest};

fn main() {
    let cfg = match config::Config::parse(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", config::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(start(cfg)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn start(cfg: config::Config) -> Result<(), String> {
    let now = server::now_ms() / 1000;
    let mut st = state::State::new(cfg.seed, &cfg.admin);
    if cfg.seed_demo {
        let (g, c) = demo::seed(&mut st, &cfg.admin, now, cfg.seed)?;
        eprintln!(
            "demo: {} users, {} groups, {g} group messages, {c} one-to-one messages",
            demo::USERS.len(),
            demo::GROUPS.len()
        );
    }
    for g in &cfg.seed_groups {
        let t0 = std::time::Instant::now();
        demo::seed_group(&mut st, g, &cfg.admin, now, cfg.seed)?;
        eprintln!(
            "seed-group: {} ({}) with {} messages in {} ms",
            g.id,
            g.kind,
            g.count,
            t0.elapsed().as_millis()
        );
    }
    if cfg.print_secret {
        eprintln!("secret-key {}", cfg.secret_key);
    }
    if cfg.print_usersig {
        let sig = generate(&SignRequest {
            sdk_app_id: cfg.sdk_app_id,
            secret_key: &cfg.secret_key,
            identifier: &cfg.admin,
            expire_seconds: cfg.usersig_expire,
            user_buf: None,
            now,
        })
        .map_err(|e| format!("cannot sign a UserSig: {}", e.info))?;
        eprintln!("usersig {sig}");
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = Arc::new(server::App::new(cfg, st));
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    }
    server::run(app, listener).await;
    Ok(())
}
