//! A certificate authority and a server certificate for `localhost`, made for one test.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use schema_core::testing::ServerSetup;

pub struct Pki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

pub fn make_pki(ca_name: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let server = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_cert_pem: server.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

/// Writes `text` to a new file in the temporary folder (a CA certificate for `sslrootcert`).
pub fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "schema-tls-{}-{name}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

impl Pki {
    /// A server that speaks TLS with this certificate, and whose `pg_hba.conf` is `hba`.
    pub fn server_setup(&self, hba: &str) -> ServerSetup {
        ServerSetup {
            files: vec![
                (
                    "server.crt".into(),
                    self.server_cert_pem.clone().into_bytes(),
                ),
                (
                    "server.key".into(),
                    self.server_key_pem.clone().into_bytes(),
                ),
            ],
            settings: vec![
                ("ssl".into(), "on".into()),
                ("ssl_cert_file".into(), "server.crt".into()),
                ("ssl_key_file".into(), "server.key".into()),
            ],
            hba: Some(hba.into()),
        }
    }
}
