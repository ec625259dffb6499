//! A delay proxy for the bench: a TCP port on loopback that forwards to a server, every byte
//! held for half the round trip each way — a laptop in Europe on a US region, measured on one
//! machine. Bytes are delayed, never slowed: what is sent together arrives together, so a
//! pipelined batch costs one round trip, as across an ocean.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running proxy; it stops taking connections when dropped (those open run to their end).
pub(crate) struct Delay {
    pub(crate) port: u16,
}

impl Delay {
    /// Forwards a new port on 127.0.0.1 to `upstream`, adding `round_trip` to every exchange.
    pub(crate) fn start(upstream: SocketAddr, round_trip: Duration) -> Result<Delay, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("delay proxy: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("delay proxy: {e}"))?
            .port();
        let one_way = round_trip / 2;
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                for (from, to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ] {
                    if let (Ok(from), Ok(to)) = (from, to) {
                        pump(from, to, one_way);
                    }
                }
            }
        });
        Ok(Delay { port })
    }
}

/// Copies `from` to `to`, each chunk written `delay` after it was read.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        let _ = from.shutdown(std::net::Shutdown::Read);
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_trip_through_it_takes_the_delay_and_a_batch_takes_it_once() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let at = echo.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in echo.incoming().map_while(Result::ok) {
                std::thread::spawn(move || {
                    let mut r = s.try_clone().unwrap();
                    let mut w = s;
                    let _ = std::io::copy(&mut r, &mut w);
                });
            }
        });
        let proxy = Delay::start(at, Duration::from_millis(100)).unwrap();
        let mut c = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
        c.set_nodelay(true).unwrap();
        let started = Instant::now();
        for _ in 0..10 {
            c.write_all(b"ping").unwrap();
        }
        let mut got = [0u8; 40];
        c.read_exact(&mut got).unwrap();
        let took = started.elapsed();
        assert_eq!(&got[..], b"ping".repeat(10).as_slice());
        // One round trip at least; ten, one after another, would take a second.
        assert!(
            took >= Duration::from_millis(100) && took < Duration::from_millis(500),
            "ten sent together come back after one round trip: {took:?}"
        );
    }
}
