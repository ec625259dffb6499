//! Connecting to a team workspace: TLS through rustls (no OpenSSL) as `sslmode` asks, and every
//! failure told in one sentence naming the server and what to check — never the password.

use super::url::{SslMode, TeamUrl};
use crate::error::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts any certificate (libpq's `prefer` and `require` encrypt without verifying); the
/// handshake's signatures are still checked.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls(mode: SslMode) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Unreachable(format!("TLS could not be set up: {e}")))?;
    let config = match mode {
        SslMode::VerifyFull => builder
            .with_root_certificates(rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
            .with_no_client_auth(),
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth(),
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Opens a connection to the team workspace at `url`.
pub(crate) fn connect(url: &TeamUrl) -> Result<super::PgConn> {
    use super::PgConn;
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&url.host)
        .port(url.port)
        .user(&url.user)
        .dbname(&url.dbname)
        .application_name("baton")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(match url.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        });
    if let Some(pw) = &url.password {
        cfg.password(pw);
    }
    let refused = |e: &tokio_postgres::Error| refused(url, e);
    let mut conn = match url.sslmode {
        SslMode::Disable => PgConn::connect(&cfg, tokio_postgres::NoTls, refused)?,
        mode => PgConn::connect(&cfg, tls(mode)?, refused)?,
    };
    conn.pooler = match url.transaction_pooler() {
        Some(p) => Some(p),
        None if conn.shares_its_server().map_err(super::error)? => Some(found_pooler()),
        None => None,
    };
    conn.url = Some(url.clone());
    Ok(conn)
}

/// A transaction pooler the address did not name, found by what the server answers.
pub(crate) fn found_pooler() -> super::url::TransactionPooler {
    super::url::TransactionPooler {
        seen_in: "found by how the server answered: it serves other connections between this one's transactions",
        instead: "a session-mode pooler or the server's own address".into(),
    }
}

/// A failure to connect as one sentence: the server, the reason, what to check.
pub(crate) fn refused(url: &TeamUrl, e: &tokio_postgres::Error) -> Error {
    let at = format!("{}:{}", url.host, url.port);
    if let Some(db) = e.as_db_error() {
        use tokio_postgres::error::SqlState;
        let code = db.code();
        let sentence = if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            && db.message().contains("not permitted to log in")
        {
            format!(
                "the team database at {at} no longer lets {:?} sign in: an admin revoked that login; ask an admin for a new invite (baton team invite)",
                url.user
            )
        } else if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            format!(
                "the team database at {at} refused user {:?}: {}; check the password (in the address, PGPASSWORD or ~/.pgpass) and that the user may connect",
                url.user,
                db.message()
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!(
                "the server at {at} has no database {:?}; create it first (createdb {}, or in your provider's console)",
                url.dbname, url.dbname
            )
        } else {
            format!(
                "the team database at {at} refused the connection: {}",
                db.message()
            )
        };
        return Error::Unreachable(sentence);
    }
    let text = e.to_string().to_lowercase();
    let source = std::error::Error::source(e)
        .map(|s| s.to_string().to_lowercase())
        .unwrap_or_default();
    let why = format!("{text} {source}");
    let sentence = if why.contains("password missing") {
        format!(
            "the team database at {at} asks user {:?} for a password and none was given; give it in the address, PGPASSWORD or ~/.pgpass (the app asks for it)",
            url.user
        )
    } else if why.contains("certificate") || why.contains("invalidcertificate") {
        format!(
            "the team database at {at} presented a certificate this computer does not trust for {} (sslmode={}); use the provider's address, or sslmode=require to encrypt without checking the certificate",
            url.host,
            url.sslmode.as_str()
        )
    } else if why.contains("server does not support tls") || why.contains("does not support ssl") {
        format!(
            "the team database at {at} does not offer TLS, and sslmode={} asks for it; turn TLS on at the server, or use sslmode=disable on a network you trust",
            url.sslmode.as_str()
        )
    } else if why.contains("timed out") || why.contains("timeout") {
        format!(
            "could not reach the team database at {at}: no answer within {} seconds; check the host and port, the network, and any firewall between",
            CONNECT_TIMEOUT.as_secs()
        )
    } else if why.contains("refused") {
        format!(
            "could not reach the team database at {at}: the connection was refused; check that PostgreSQL is running there and listens on port {}",
            url.port
        )
    } else if why.contains("lookup") || why.contains("resolve") || why.contains("name or service") {
        format!(
            "could not reach the team database at {at}: the host {:?} was not found; check its spelling and the network",
            url.host
        )
    } else {
        format!(
            "could not reach the team database at {at}: the connection failed; check the host, the port and the network"
        )
    };
    Error::Unreachable(sentence)
}
