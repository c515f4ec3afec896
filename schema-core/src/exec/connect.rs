//! Connecting: a URL or key-value string with libpq's `sslmode` (`disable`, `prefer`, `require`,
//! `verify-ca`, `verify-full`) and `sslrootcert`, over rustls.
//!
//! - `verify-full` checks the certificate chain and the host name; `verify-ca` the chain only.
//!   The roots are `sslrootcert`'s when given, else Mozilla's (webpki-roots) and the system's.
//! - `require` and `prefer` encrypt without checking the certificate, as libpq does, unless
//!   `sslrootcert` is given (then the chain is checked, as with `verify-ca`).
//! - The server name is sent (SNI) when the host is a name; managed services such as Neon route
//!   by it, so an IP address as host does not reach them.
//! - `channel_binding=require` works over TLS (tokio-postgres with tls-server-end-point).
//!
//! Errors never contain the connection string or its password.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::Error;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    /// TLS when the server offers it (libpq's default).
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, Error> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::Config(format!(
                "unknown sslmode {other:?}: use disable, prefer, require, verify-ca or verify-full"
            )))
            }
        })
    }
}

/// A connection string taken apart: tokio-postgres' settings, and the TLS ones it does not know.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub config: Config,
    pub ssl_mode: SslMode,
    pub root_cert: Option<PathBuf>,
    /// The connection goes through a transaction-mode pooler: `pgbouncer=true` in the string,
    /// a host with `-pooler` in its name (Neon's pooled endpoints), or port 6432 (PgBouncer's).
    pub pooler: bool,
}

impl ConnectOptions {
    /// Parses a `postgresql://…` URL or a `key=value …` string.
    pub fn parse(connection: &str) -> Result<ConnectOptions, Error> {
        let mut ssl_mode = None;
        let mut root_cert = None;
        let mut pooler = false;
        let mut take = |key: &str, value: &str| -> Result<bool, Error> {
            match key {
                "pgbouncer" => pooler = value == "true",
                "sslmode" => ssl_mode = Some(SslMode::parse(value)?),
                "sslrootcert" => root_cert = Some(PathBuf::from(value)),
                "sslcert" | "sslkey" | "sslcrl" | "sslpassword" => {
                    return Err(Error::Config(format!(
                        "{key} (client certificates) is not supported"
                    )))
                }
                _ => return Ok(false),
            }
            Ok(true)
        };
        let rest =
            if connection.starts_with("postgres://") || connection.starts_with("postgresql://") {
                match connection.split_once('?') {
                    None => connection.to_string(),
                    Some((base, query)) => {
                        let mut kept = Vec::new();
                        for pair in query.split('&').filter(|p| !p.is_empty()) {
                            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                            if !take(key, &percent_decode(value))? {
                                kept.push(pair);
                            }
                        }
                        if kept.is_empty() {
                            base.to_string()
                        } else {
                            format!("{base}?{}", kept.join("&"))
                        }
                    }
                }
            } else {
                let mut kept = Vec::new();
                for token in connection.split_whitespace() {
                    let (key, value) = token.split_once('=').unwrap_or((token, ""));
                    if !take(key.trim(), value.trim_matches('\'').trim())? {
                        kept.push(token);
                    }
                }
                kept.join(" ")
            };
        // tokio-postgres' own parse errors name the offending option, never a value.
        let mut config: Config = rest
            .parse()
            .map_err(|e| Error::Config(format!("invalid connection string: {e}")))?;
        let ssl_mode = ssl_mode.unwrap_or_default();
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
        });
        let pooled_host = config.get_hosts().iter().any(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.contains("-pooler"),
            #[allow(unreachable_patterns)]
            _ => false,
        });
        let pooler = pooler || pooled_host || config.get_ports().contains(&6432);
        Ok(ConnectOptions {
            config,
            ssl_mode,
            root_cert,
            pooler,
        })
    }

    /// The rustls configuration for the mode.
    pub fn tls(&self) -> Result<MakeRustlsConnect, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?;
        let verify_chain = matches!(self.ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull)
            || self.root_cert.is_some();
        let config = if !verify_chain {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                .with_no_client_auth()
        } else {
            let roots = Arc::new(self.roots()?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| Error::Tls(e.to_string()))?;
            if self.ssl_mode == SslMode::VerifyFull {
                builder.with_webpki_verifier(webpki).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth()
            }
        };
        Ok(MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, Error> {
        let mut roots = RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                    Error::Tls(format!("cannot read sslrootcert {}: {e}", path.display()))
                })?;
                for cert in certs {
                    let cert = cert
                        .map_err(|e| Error::Tls(format!("sslrootcert {}: {e}", path.display())))?;
                    roots
                        .add(cert)
                        .map_err(|e| Error::Tls(format!("sslrootcert {}: {e}", path.display())))?;
                }
            }
            None => {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        Ok(roots)
    }

    /// Connects: the client, and the connection future that must be polled for it to work.
    async fn open(
        &self,
    ) -> Result<
        (
            Client,
            impl std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
        ),
        Error,
    > {
        let tls = self.tls()?;
        self.config
            .connect(tls)
            .await
            .map_err(|e| Error::from_postgres(e, None))
    }

    /// Connects; the connection driven by a [`Driver`](super::Driver) (in the caller's task
    /// while a statement waits, on a task of its own otherwise).
    pub(crate) async fn connect_driven(&self) -> Result<(Client, super::Driver), Error> {
        let (client, connection) = self.open().await?;
        Ok((client, super::Driver::spawn(connection)))
    }

    /// Connects, and drives the connection on a task of its own.
    pub async fn connect(&self) -> Result<Client, Error> {
        let (client, connection) = self.open().await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&value[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connects with a connection string: the one entry point for applications and tools.
pub async fn connect_client(connection: &str) -> Result<Client, Error> {
    ConnectOptions::parse(connection)?.connect().await
}

/// `require`/`prefer`: encrypted, certificate not checked (libpq's meaning of these modes).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
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
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                ..
            })) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tls_settings_out_of_urls_and_key_values() {
        let o = ConnectOptions::parse("postgresql://u:secret@db.example.com/app?sslmode=verify-full&sslrootcert=%2Fca.pem&application_name=x")
            .unwrap();
        assert_eq!(o.ssl_mode, SslMode::VerifyFull);
        assert_eq!(o.root_cert, Some(PathBuf::from("/ca.pem")));
        assert_eq!(o.config.get_application_name(), Some("x"));
        let o = ConnectOptions::parse("host=localhost user=u sslmode=verify-ca").unwrap();
        assert_eq!(o.ssl_mode, SslMode::VerifyCa);
        assert_eq!(
            ConnectOptions::parse("postgresql://h/db").unwrap().ssl_mode,
            SslMode::Prefer
        );
        let error = ConnectOptions::parse("postgresql://u:hunter2@h/db?sslmode=bogus")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
        let error = ConnectOptions::parse("postgresql://u:hunter2@h/db?nonsense=1")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
