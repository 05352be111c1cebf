//! Why a command failed, and the one line and exit code that say so.

use orgwarden_client::Error;

/// What went wrong; [`explain`](Failure::explain) turns it into an exit code and a line.
#[derive(Debug)]
pub enum Failure {
    /// A target or argument that cannot be used (no domain, an unknown profile): exit 2.
    Usage(String),
    /// Something named on the command line does not exist (a connection name): exit 3.
    NotFound(String),
    /// The client failed talking to `domain`.
    Client { error: Error, domain: String },
    /// A local file could not be read or written, or output could not be written: exit 1.
    Local(String),
}

impl From<Error> for Failure {
    /// The domain is filled in by [`Failure::at`] where the command knows it.
    fn from(error: Error) -> Failure {
        Failure::Client {
            error,
            domain: String::new(),
        }
    }
}

impl Failure {
    /// A client failure, said to be at `domain` (its messages name the server).
    pub(crate) fn at(self, domain: &str) -> Failure {
        match self {
            Failure::Client { error, .. } => Failure::Client {
                error,
                domain: domain.to_owned(),
            },
            other => other,
        }
    }

    pub(crate) fn output(e: std::io::Error) -> Failure {
        Failure::Local(format!("writing the output: {e}"))
    }

    /// The exit code and the line for stderr.
    pub fn explain(&self) -> (u8, String) {
        match self {
            Failure::Usage(why) => (2, format!("orgwarden: {why}")),
            Failure::NotFound(why) => (3, format!("orgwarden: {why}")),
            Failure::Local(why) => (1, format!("orgwarden: {why}")),
            Failure::Client { error, domain } => {
                let (code, line) = client_failure(error, domain);
                (code, format!("orgwarden: {line}"))
            }
        }
    }
}

fn client_failure(error: &Error, domain: &str) -> (u8, String) {
    match error {
        Error::Api { status: 401, body } => (
            5,
            format!(
                "credential refused by https://{domain} (401): {} — check --token, or use client credentials",
                body.message
            ),
        ),
        Error::Api { status, body } => {
            let code = body
                .error_code
                .as_deref()
                .map(|c| format!(" (errorCode: {c})"))
                .unwrap_or_default();
            (3, format!("API error {status} {}: {}{code}", body.error, body.message))
        }
        Error::OAuth { status, body } if matches!(*status, 401 | 403) => (
            5,
            format!(
                "credential refused by https://{domain}/oauth/token ({status} {}): {} — check --client-id and --client-secret",
                body.error, body.error_description
            ),
        ),
        Error::OAuth { status, body } => (
            3,
            format!(
                "token request refused by https://{domain}/oauth/token ({status} {}): {}",
                body.error, body.error_description
            ),
        ),
        Error::Network(e) => (
            4,
            format!(
                "cannot reach https://{domain}: {} — is the server running, and is --domain right?",
                network_cause(e)
            ),
        ),
        Error::Tls(why) => (4, tls_line(why, domain)),
        Error::Decode { what, detail } => (
            1,
            format!("unexpected answer from https://{domain} to {what}: {detail}"),
        ),
        Error::Config(why) => (2, why.clone()),
    }
}

/// The innermost cause worth naming: "connection refused", "timed out", a DNS failure.
fn network_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = e.to_string();
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                std::io::ErrorKind::TimedOut => return "timed out".into(),
                _ => {}
            }
        }
        let text = c.to_string();
        if text.contains("dns error") || text.contains("failed to lookup") {
            return format!("the name does not resolve ({text})");
        }
        innermost = text;
        cause = c.source();
    }
    innermost
}

fn tls_line(why: &str, domain: &str) -> String {
    if why.contains("UnknownIssuer") || why.contains("unknown issuer") {
        format!(
            "TLS: certificate of https://{domain} not trusted — pass --ca-file (a local orgwarden's is DATA_DIR/tls/ca.pem) or --local DATA_DIR"
        )
    } else if why.contains("NotValidForName") || why.contains("not valid for name") {
        format!("TLS: the certificate is not valid for {domain} — check --domain")
    } else if why.contains("CA file") {
        format!("TLS: {why} — check --ca-file")
    } else {
        format!("TLS: {why} — check --ca-file and --domain")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_say_what_to_check() {
        let line = tls_line("invalid peer certificate: UnknownIssuer", "localhost:1");
        assert!(line.contains("not trusted — pass --ca-file"), "{line}");
        let line = tls_line("reading the CA file x: No such file", "localhost:1");
        assert!(line.ends_with("check --ca-file"), "{line}");
    }

    #[test]
    fn each_failure_has_its_exit_code() {
        assert_eq!(Failure::Usage("x".into()).explain().0, 2);
        assert_eq!(Failure::NotFound("x".into()).explain().0, 3);
        assert_eq!(Failure::Local("x".into()).explain().0, 1);
    }
}
