//! Slow clients: a connection that sends half a header, or nothing, is dropped
//! after a bounded time (`REQUEST_HEADER_TIMEOUT_MS`, 500 ms here) while other
//! clients keep being served.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use interim_tracker::config::Config;

use crate::helpers::{TestApp, backend_tests};

fn quick_header_timeout(config: &mut Config) {
    config.request_header_timeout_ms = 500;
    config.request_body_timeout_ms = 500;
}

/// Connects, sends `sent` and never finishes the request; returns what the
/// server answered before closing the connection, and when it closed it.
fn held_open(port: u16, sent: impl AsRef<[u8]>) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(sent.as_ref()).unwrap();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted) => {}
        Err(e) => panic!("the server kept a slow connection open for {:?}: {e}", started.elapsed()),
    }
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

async fn slow_clients_are_dropped_while_others_are_served(app: TestApp) {
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let slow: [(&str, &'static [u8]); 3] = [
        ("nothing", b""),
        ("half a request line", b"GET /api/v1/organizations HT"),
        ("half a header", b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: still typ"),
    ];
    // More slow connections than there are workers (2).
    let mut held = Vec::new();
    for _ in 0..3 {
        for (what, sent) in slow {
            held.push((what, tokio::task::spawn_blocking(move || held_open(port, sent))));
        }
    }
    // Meanwhile, other clients are served, promptly.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(app.get("/api/v1/organizations").await.status(), 200);
        assert!(started.elapsed() < Duration::from_millis(400), "served in {:?}", started.elapsed());
    }
    for (what, task) in held {
        let (answer, elapsed) = task.await.unwrap();
        assert!(elapsed < Duration::from_secs(3), "{what}: held for {elapsed:?}");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{what}: answered {answer:?}");
    }
    assert_eq!(app.get("/health").await.status(), 200);
}

async fn a_body_that_stops_halfway_answers_408(app: TestApp) {
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let head = format!(
        "POST /api/v1/organizations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": \"Slo",
        app.token
    );
    let held = tokio::task::spawn_blocking(move || held_open(port, head));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.get("/api/v1/organizations").await.status(), 200);
    let (answer, elapsed) = held.await.unwrap();
    assert!(elapsed < Duration::from_secs(3), "held for {elapsed:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "answered {answer:?}");
    assert!(answer.contains("request-timeout"), "{answer}");
    // Nothing was written, and whole bodies still arrive.
    let orgs = crate::helpers::json_of(app.get("/api/v1/organizations?include_total=true").await, 200).await;
    assert_eq!(orgs["total"], 0);
    app.organization("Quick").await;
}

backend_tests!(
    config = quick_header_timeout;
    slow_clients_are_dropped_while_others_are_served,
    a_body_that_stops_halfway_answers_408
);
