//! Slow and greedy clients against the real binary (issue #9): dripped headers and TLS
//! handshakes, idle keep-alive connections, more connections than the cap, more requests
//! than the cap, dripped bodies, and HTTP/2 bodies over the size limit. Limits are set small
//! with flags so the tests are quick; the bounds asserted are generous ("does not hang").

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

use crate::spawn;

const DOMAIN: &str = "localhost:8443";
/// What every test allows for what should take a few seconds at most.
const BOUND: Duration = Duration::from_secs(10);

/// `orgwarden serve` on a free loopback port, killed on drop.
struct Orgwarden {
    child: Child,
    addr: SocketAddr,
    tls: bool,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

impl Orgwarden {
    fn start(tls: bool, limits: &[&str]) -> Orgwarden {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut child = spawn::command()
            .env("ORGWARDEN_LOG", "info")
            .args(["serve", "--listen", "127.0.0.1:0", "--domain", DOMAIN])
            .args([
                "--rate-limit",
                "off",
                "--tls",
                if tls { "on" } else { "off" },
            ])
            .arg("--data-dir")
            .arg(&data)
            .args(limits)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("server.log")).unwrap(),
            ))
            .spawn()
            .expect("start orgwarden");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|u| u.split("://").nth(1))
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .trim()
            .parse()
            .unwrap();
        std::thread::spawn(move || for _ in lines {});
        Orgwarden {
            child,
            addr,
            tls,
            data,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://localhost:{}{path}", self.addr.port())
    }

    fn ca(&self) -> Vec<u8> {
        std::fs::read(self.data.join("tls/ca.pem")).unwrap()
    }

    /// An HTTP client that trusts the generated CA; `h2`: HTTP/2 only (prior knowledge over
    /// plain HTTP, ALPN over TLS), else HTTP/1.1 only.
    fn http(&self, h2: bool) -> reqwest::Client {
        orgwarden_server::server::install_crypto_provider();
        let mut b = reqwest::Client::builder().timeout(BOUND);
        if self.tls {
            b = b.add_root_certificate(reqwest::Certificate::from_pem(&self.ca()).unwrap());
        }
        b = if h2 {
            b.http2_prior_knowledge()
        } else {
            b.http1_only()
        };
        b.build().unwrap()
    }

    /// An admin token from `orgwarden token` (every scope, faults included).
    fn token(&self) -> String {
        let out = spawn::command()
            .args(["token", "--domain", DOMAIN, "--data-dir"])
            .arg(&self.data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    async fn tcp(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// A TLS connection (ALPN: HTTP/1.1) trusting the generated CA.
    async fn tls(&self) -> tokio_rustls::client::TlsStream<TcpStream> {
        self.tls_alpn(b"http/1.1").await
    }

    async fn tls_alpn(&self, alpn: &[u8]) -> tokio_rustls::client::TlsStream<TcpStream> {
        orgwarden_server::server::install_crypto_provider();
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&self.ca()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let mut config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![alpn.to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        connector.connect(name, self.tcp().await).await.unwrap()
    }

    async fn healthz_answers(&self) {
        let start = Instant::now();
        let r = self
            .http(false)
            .get(self.url("/healthz"))
            .send()
            .await
            .expect("/healthz answers");
        assert_eq!(r.status(), 200);
        assert!(start.elapsed() < BOUND);
    }
}

impl Drop for Orgwarden {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True once the server has closed `io`: a read gives end of file or an error.
async fn closed_by_server<S: AsyncRead + Unpin>(io: &mut S) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => continue,
        }
    }
}

/// Writes `bytes` one at a time every `every`, until the server closes the connection or
/// the bytes run out; returns how long the server took to close it, if it did.
async fn drip<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    bytes: &[u8],
    every: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    for b in bytes {
        tokio::select! {
            r = io.read(&mut buf) => match r {
                Ok(0) | Err(_) => return Some(start.elapsed()),
                Ok(_) => {}
            },
            _ = sleep(every) => {
                if io.write_all(&[*b]).await.is_err() || io.flush().await.is_err() {
                    return Some(start.elapsed());
                }
            }
        }
    }
    None
}

/// Header bytes that never end (a new header line every so often), for 40+ drips.
fn endless_header() -> Vec<u8> {
    let mut v = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..20 {
        v.extend_from_slice(format!("X-Slow-{i}: a\r\n").as_bytes());
    }
    v
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns (status, headers, body).
async fn read_response<S: AsyncRead + Unpin>(io: &mut S) -> (u16, String, Value) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = timeout(BOUND, io.read(&mut buf))
            .await
            .expect("a response")
            .unwrap();
        assert!(
            n > 0,
            "closed before a response: {}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map(|l| l.trim().parse().unwrap())
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = timeout(BOUND, io.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "closed in the body");
        raw.extend_from_slice(&buf[..n]);
    }
    let body = serde_json::from_slice(&raw[head_end..head_end + length]).unwrap_or(Value::Null);
    (status, head, body)
}

#[tokio::test]
async fn a_client_dripping_its_headers_is_cut_at_the_header_read_timeout() {
    let server = Orgwarden::start(
        false,
        &["--header-read-timeout", "2s", "--idle-timeout", "30s"],
    );

    // A fresh connection dripping a byte every 0.5 s.
    let mut slow = server.tcp().await;
    let cut = drip(&mut slow, &endless_header(), Duration::from_millis(500))
        .await
        .expect("the server closes a connection whose headers never end");
    assert!(
        cut >= Duration::from_secs(1) && cut < BOUND,
        "cut after {cut:?}"
    );

    // After a complete request, dripping the next request's headers is cut by the same
    // timeout (not the 30 s idle timeout).
    let mut conn = server.tcp().await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (status, _, body) = read_response(&mut conn).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let cut = drip(&mut conn, &endless_header(), Duration::from_millis(500))
        .await
        .expect("the next request's headers are timed too");
    assert!(cut < BOUND, "cut after {cut:?}");

    server.healthz_answers().await;
}

#[tokio::test]
async fn over_tls_a_dripped_handshake_or_dripped_headers_are_cut() {
    let server = Orgwarden::start(true, &["--header-read-timeout", "2s"]);

    // A ClientHello that never ends: a TLS handshake record header, then its body dripped.
    let mut hello = server.tcp().await;
    let mut record = vec![
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    record.extend(std::iter::repeat_n(0u8, 40));
    let cut = drip(&mut hello, &record, Duration::from_millis(500))
        .await
        .expect("the server closes a handshake that never ends");
    assert!(
        cut >= Duration::from_secs(1) && cut < BOUND,
        "cut after {cut:?}"
    );

    // A completed handshake, then headers dripped.
    let mut tls = server.tls().await;
    let cut = drip(&mut tls, &endless_header(), Duration::from_millis(500))
        .await
        .expect("the server closes a TLS connection whose headers never end");
    assert!(cut < BOUND, "cut after {cut:?}");

    // A prompt client is served.
    let mut tls = server.tls().await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut tls).await.0, 200);
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let server = Orgwarden::start(
        false,
        &["--idle-timeout", "2s", "--header-read-timeout", "30s"],
    );

    // HTTP/1.1: a request, its response, then silence.
    let mut conn = server.tcp().await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (status, head, _) = read_response(&mut conn).await;
    assert_eq!(status, 200);
    assert!(!head.contains("connection: close"), "kept alive: {head}");
    let start = Instant::now();
    let closed = timeout(BOUND, closed_by_server(&mut conn)).await;
    assert!(closed.is_ok(), "an idle connection stays open");
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "closed after {:?}, before the idle timeout",
        start.elapsed()
    );

    // HTTP/2: the connection ends (GOAWAY, then close) once idle.
    let io = hyper_util::rt::TokioIo::new(server.tcp().await);
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .unwrap();
    let ended = tokio::spawn(conn);
    let req = axum::http::Request::get(server.url("/healthz"))
        .body(http_body_util::Empty::<axum::body::Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    drop(resp);
    let ended = timeout(BOUND, ended).await;
    assert!(ended.is_ok(), "an idle HTTP/2 connection stays open");
}

#[tokio::test]
async fn past_the_connection_cap_slow_clients_do_not_keep_others_out() {
    let server = Orgwarden::start(
        false,
        &[
            "--max-connections",
            "32",
            "--max-concurrent-requests",
            "8",
            "--header-read-timeout",
            "30s",
            "--idle-timeout",
            "30s",
        ],
    );
    let token = server.token();

    // 100 connections: half idle, half with headers started and never finished.
    let mut held = Vec::new();
    for i in 0..100 {
        let mut c = server.tcp().await;
        if i % 2 == 0 {
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
                .await
                .unwrap();
        }
        held.push(c);
    }

    // A bystander's health check and API call are answered promptly.
    server.healthz_answers().await;
    let r = server
        .http(false)
        .get(server.url("/api/v2/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an API call answers");
    assert_eq!(r.status(), 200);

    // The server holds no more than its cap: the others were closed to make room.
    let mut open = held.len();
    let start = Instant::now();
    while open > 32 && start.elapsed() < BOUND {
        sleep(Duration::from_millis(100)).await;
        // A closed connection reads end of file at once; an open one has nothing to read.
        open = 0;
        for c in &mut held {
            let mut b = [0u8; 1];
            if timeout(Duration::from_millis(1), c.read(&mut b))
                .await
                .is_err()
            {
                open += 1;
            }
        }
    }
    assert!(open <= 32, "{open} of the slow connections still open");
}

#[tokio::test]
async fn past_the_request_cap_api_calls_get_503_and_health_checks_still_answer() {
    let server = Orgwarden::start(
        false,
        &["--max-concurrent-requests", "2", "--max-connections", "16"],
    );
    let token = server.token();
    let http = server.http(false);
    let r = http
        .post(server.url("/orgwarden/v1/faults"))
        .bearer_auth(&token)
        .json(&json!({"path": "/api/v2/*", "action": "delay", "delay_ms": 3000, "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);

    // Two requests held for 3 s fill the cap.
    let held: Vec<_> = (0..2)
        .map(|_| {
            let req = http
                .get(server.url("/api/v2/organizations"))
                .bearer_auth(&token)
                .send();
            tokio::spawn(req)
        })
        .collect();
    sleep(Duration::from_millis(700)).await;

    let r = http
        .get(server.url("/api/v2/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"statusCode": 503, "error": "Service Unavailable", "message": "The server is handling too many requests at once; retry shortly.", "errorCode": "server_busy"})
    );
    server.healthz_answers().await;

    // The held ones finish normally, and then there is room again.
    for h in held {
        assert_eq!(h.await.unwrap().unwrap().status(), 200);
    }
    let r = http
        .get(server.url("/api/v2/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_request_outlasting_the_request_timeout_gets_408_or_503() {
    let server = Orgwarden::start(false, &["--request-timeout", "2s"]);
    let token = server.token();

    // A body dripped more slowly than the timeout allows: 408, the client was slow.
    let (mut rd, mut wr) = server.tcp().await.into_split();
    let head = format!(
        "POST /api/v2/organizations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let dripping = tokio::spawn(async move {
        for b in b"{\"name\":\"slow-body-organization-000000\"}" {
            sleep(Duration::from_millis(500)).await;
            if wr.write_all(&[*b]).await.is_err() {
                break;
            }
        }
    });
    let (status, _, body) = read_response(&mut rd).await;
    dripping.abort();
    assert_eq!(status, 408);
    assert_eq!(
        body,
        json!({"statusCode": 408, "error": "Request Timeout", "message": "The request body was not received within 2s.", "errorCode": "request_timeout"})
    );

    // A server slower than the timeout (an injected delay): 503.
    let http = server.http(false);
    let r = http
        .post(server.url("/orgwarden/v1/faults"))
        .bearer_auth(&token)
        .json(&json!({"path": "/api/v2/organizations", "action": "delay", "delay_ms": 5000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .get(server.url("/api/v2/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"statusCode": 503, "error": "Service Unavailable", "message": "The request was not answered within 2s.", "errorCode": "request_timeout"})
    );
}

/// Posts a JSON body just over 1 MiB and expects Auth0's 413.
async fn too_large_gets_413(server: &Orgwarden, h2: bool, token: &str) {
    let name = "a".repeat(1024 * 1024);
    let r = server
        .http(h2)
        .post(server.url("/api/v2/organizations"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(json!({ "name": name }).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("h2={h2}: {e:?}"));
    let version = if h2 {
        reqwest::Version::HTTP_2
    } else {
        reqwest::Version::HTTP_11
    };
    assert_eq!(r.version(), version);
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"statusCode": 413, "error": "Request Entity Too Large", "message": "Payload content length greater than maximum allowed: 1048576"})
    );
}

/// Uploads a JSON body of `size` bytes over HTTP/2 (hyper's client, in 64 KiB chunks as flow
/// control allows); returns the status, the body, and whether the whole upload was taken
/// (false: the server reset the stream before the end).
async fn h2_upload(server: &Orgwarden, token: &str, size: usize) -> (u16, Value, bool) {
    use http_body_util::BodyExt;
    let exec = hyper_util::rt::TokioExecutor::new();
    let (mut send, conn) = if server.tls {
        let tls = server.tls_alpn(b"h2").await;
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let io = hyper_util::rt::TokioIo::new(tls);
        let (send, conn) = hyper::client::conn::http2::handshake(exec, io)
            .await
            .unwrap();
        (send, tokio::spawn(async move { conn.await.is_ok() }))
    } else {
        let io = hyper_util::rt::TokioIo::new(server.tcp().await);
        let (send, conn) = hyper::client::conn::http2::handshake(exec, io)
            .await
            .unwrap();
        (send, tokio::spawn(async move { conn.await.is_ok() }))
    };
    let (mut tx, body) = http_body_util::channel::Channel::<axum::body::Bytes>::new(1);
    let mut json = format!("{{\"name\":\"{}\"}}", "a".repeat(size - 11)).into_bytes();
    assert_eq!(json.len(), size);
    let uploading = tokio::spawn(async move {
        while !json.is_empty() {
            let rest = json.split_off(json.len().min(64 * 1024));
            let chunk = std::mem::replace(&mut json, rest);
            if tx.send_data(chunk.into()).await.is_err() {
                return false;
            }
        }
        true
    });
    let req = axum::http::Request::post(server.url("/api/v2/organizations"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let resp = timeout(BOUND, send.send_request(req))
        .await
        .expect("an answer")
        .expect("a response, not a stream error");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let all_sent = timeout(BOUND, uploading).await.unwrap().unwrap();
    drop(send);
    drop(conn);
    (status, serde_json::from_slice(&bytes).unwrap(), all_sent)
}

#[tokio::test]
async fn bodies_over_1_mib_get_413_over_http2_and_http1() {
    let too_large = json!({"statusCode": 413, "error": "Request Entity Too Large", "message": "Payload content length greater than maximum allowed: 1048576"});
    for tls in [false, true] {
        let server = Orgwarden::start(tls, &[]);
        let token = server.token();
        too_large_gets_413(&server, true, &token).await;
        too_large_gets_413(&server, false, &token).await;

        // HTTP/2, 4 MiB: the server takes the whole upload, then answers; the stream is not
        // reset under the client (curl reports such a reset as an error, not the 413).
        let (status, body, all_sent) = h2_upload(&server, &token, 4 * 1024 * 1024).await;
        assert_eq!((status, &body), (413, &too_large));
        assert!(
            all_sent,
            "tls={tls}: the stream was reset during the upload"
        );

        // Past what the server reads and discards (8 MiB): the 413 still arrives.
        let (status, body, _) = h2_upload(&server, &token, 12 * 1024 * 1024).await;
        assert_eq!((status, &body), (413, &too_large));

        // The connection-level limits leave a normal HTTP/2 call alone.
        let r = server
            .http(true)
            .post(server.url("/api/v2/organizations"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("h2-{tls}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
}

#[tokio::test]
async fn on_sigterm_requests_in_flight_finish_and_idle_connections_do_not_hold_it_up() {
    let mut server = Orgwarden::start(false, &[]);
    let token = server.token();
    let http = server.http(false);
    let r = http
        .post(server.url("/orgwarden/v1/faults"))
        .bearer_auth(&token)
        .json(&json!({"path": "/api/v2/organizations", "action": "delay", "delay_ms": 2000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // An idle keep-alive connection (HTTP/1.1) and an idle HTTP/2 one.
    let mut idle = server.tcp().await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.0, 200);
    let h2 = server.http(true);
    assert_eq!(
        h2.get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let slow = tokio::spawn(
        http.get(server.url("/api/v2/organizations"))
            .bearer_auth(&token)
            .send(),
    );
    sleep(Duration::from_millis(500)).await;
    let stopped = Instant::now();
    let pid = server.child.id().to_string();
    assert!(Process::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());

    let r = slow
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(r.status(), 200);
    assert!(closed_by_server(&mut idle).await);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopped.elapsed() < BOUND, "still running after SIGTERM");
        sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success());
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    use axum::extract::ConnectInfo;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/peer",
        axum::routing::get(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() },
        ),
    );
    let settings = orgwarden_server::config::Settings::new("unused");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(orgwarden_server::server::serve(
        listener,
        None,
        app,
        settings.limits,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let local = conn.local_addr().unwrap();
    conn.write_all(b"GET /peer HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    timeout(BOUND, conn.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.ends_with(&local.to_string()), "{answer}");
    stop.send(()).unwrap();
    timeout(BOUND, serving).await.unwrap().unwrap().unwrap();
}
