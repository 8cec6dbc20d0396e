//! How many requests per second the emulator answers on loopback, so it is never the
//! bottleneck of a client benchmark (the issue asks for at least 5,000/s). Prints one JSON
//! line. Run: `cargo bench -p chat-recall-emulator --bench throughput`.
//!
//! Four keep-alive client threads on the same machine each send `account_import` calls with
//! a full UserSig check per request, rate limit off.

#[path = "../tests/common/mod.rs"]
mod common;
use common::*;

fn main() {
    // `cargo bench` passes `--bench`; any other argument is ignored.
    let emu = start(&["--rate-limit", "0"]);
    let threads = 4usize;
    let per = 5_000usize;
    let sig = admin_sig();
    // Warm up the connections and the server's caches.
    run(&emu.addr, &sig, threads, 200);
    let t0 = std::time::Instant::now();
    run(&emu.addr, &sig, threads, per);
    let secs = t0.elapsed().as_secs_f64();
    let total = threads * per;
    let served = stats(&emu, false)["total_requests"].as_u64().unwrap_or(0);
    println!(
        "{{\"bench\":\"emulator_throughput\",\"requests\":{total},\"seconds\":{secs:.3},\"requests_per_s\":{:.0},\"floor_requests_per_s\":5000,\"met_floor\":{},\"served_total\":{served}}}",
        total as f64 / secs,
        total as f64 / secs >= 5000.0
    );
}

fn run(addr: &str, sig: &str, threads: usize, per: usize) {
    let hs: Vec<_> = (0..threads)
        .map(|i| {
            let addr = addr.to_string();
            let target = format!(
                "/v4/im_open_login_svc/account_import?{}",
                query(sig, &i.to_string())
            );
            std::thread::spawn(move || {
                let mut c = Conn::new(&addr);
                let body = format!("{{\"UserID\":\"load{i}\"}}");
                for _ in 0..per {
                    assert_eq!(c.post(&target, body.as_bytes()).status, 200);
                }
            })
        })
        .collect();
    for h in hs {
        let _ = h.join();
    }
}
