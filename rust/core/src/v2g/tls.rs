//! TLS 1.3 for ISO 15118-20 as a sans-I/O session: ciphertext in, plaintext out, and back; the
//! socket stays with the caller. OpenSSL (the vendored build the OCMF verifier already uses)
//! because it can hold TLS 1.3 to the -20 constraints that Python's `ssl` cannot express: cipher
//! suites TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 only, groups secp521r1 and x448,
//! signatures ecdsa_secp521r1_sha512 and ed448, the peer's certificate always verified.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use openssl::error::ErrorStack;
use openssl::pkey::PKey;
use openssl::ssl::{ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslStream, SslVerifyMode, SslVersion};
use openssl::x509::X509;

/// The -20 TLS parameters (Tables 6–8 of ISO 15118-20).
pub const CIPHERSUITES: &str = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
pub const GROUPS: &str = "P-521:X448";
pub const SIGALGS: &str = "ecdsa_secp521r1_sha512:ed448";

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TlsError {
    #[error("TLS configuration: {0}")]
    Config(String),
    #[error("TLS: {0}")]
    Protocol(String),
}

impl From<ErrorStack> for TlsError {
    fn from(e: ErrorStack) -> Self {
        TlsError::Config(e.to_string())
    }
}

/// What one side offers and trusts. The restrictions default to the -20 ones; a negative test
/// loosens or changes them on purpose (a client offering only TLS 1.2, or only P-256).
#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub server: bool,
    /// PEM: the leaf first, then the sub-CAs that go with it.
    pub chain_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// PEM: the roots the peer's chain must end in.
    pub trust_pem: Vec<u8>,
    pub ciphersuites: String,
    pub groups: String,
    pub sigalgs: String,
    /// "1.2" or "1.3".
    pub min_version: String,
    pub max_version: String,
}

fn version(v: &str) -> Result<SslVersion, TlsError> {
    match v {
        "1.2" => Ok(SslVersion::TLS1_2),
        "1.3" => Ok(SslVersion::TLS1_3),
        other => Err(TlsError::Config(format!("TLS version {other:?} is not 1.2 or 1.3"))),
    }
}

fn context(cfg: &TlsConfig) -> Result<SslContext, TlsError> {
    let mut b = SslContextBuilder::new(if cfg.server { SslMethod::tls_server() } else { SslMethod::tls_client() })?;
    b.set_min_proto_version(Some(version(&cfg.min_version)?))?;
    b.set_max_proto_version(Some(version(&cfg.max_version)?))?;
    b.set_ciphersuites(&cfg.ciphersuites)?;
    if cfg.max_version == "1.2" {
        b.set_cipher_list("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256")?;
    }
    b.set_groups_list(&cfg.groups)?;
    b.set_sigalgs_list(&cfg.sigalgs)?;
    let mut chain = X509::stack_from_pem(&cfg.chain_pem)?.into_iter();
    let leaf = chain.next().ok_or_else(|| TlsError::Config("no certificate in the chain".into()))?;
    b.set_certificate(&leaf)?;
    for sub in chain {
        b.add_extra_chain_cert(sub)?;
    }
    let key = PKey::private_key_from_pem(&cfg.key_pem)?;
    b.set_private_key(&key)?;
    b.check_private_key()?;
    for root in X509::stack_from_pem(&cfg.trust_pem)? {
        b.cert_store_mut().add_cert(root)?;
    }
    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    Ok(b.build())
}

/// Bytes the TLS engine reads from (what the socket delivered) and writes to (what the socket
/// must send): OpenSSL over memory, so that no socket is needed here.
#[derive(Debug, Default)]
struct Memory {
    inbound: VecDeque<u8>,
    outbound: Vec<u8>,
}

impl Read for Memory {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.inbound.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.inbound.len());
        for (slot, byte) in buf.iter_mut().zip(self.inbound.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbound.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct TlsSession {
    stream: SslStream<Memory>,
    established: bool,
    pending: Vec<u8>,
}

impl TlsSession {
    pub fn new(cfg: &TlsConfig) -> Result<Self, TlsError> {
        let ctx = context(cfg)?;
        let mut ssl = Ssl::new(&ctx)?;
        if cfg.server {
            ssl.set_accept_state();
        } else {
            ssl.set_connect_state();
        }
        let mut session = TlsSession { stream: SslStream::new(ssl, Memory::default())?, established: false, pending: vec![] };
        if !cfg.server {
            session.advance()?; // the ClientHello
        }
        Ok(session)
    }

    fn advance(&mut self) -> Result<(), TlsError> {
        if self.established {
            return Ok(());
        }
        match self.stream.do_handshake() {
            Ok(()) => {
                self.established = true;
                Ok(())
            }
            Err(e) if e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::WANT_WRITE => Ok(()),
            Err(e) => Err(TlsError::Protocol(describe(&e))),
        }
    }

    /// Ciphertext from the peer → the plaintext it carried (empty during the handshake).
    pub fn receive(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, TlsError> {
        self.stream.get_mut().inbound.extend(ciphertext);
        self.advance()?;
        let mut plain = vec![];
        if !self.established {
            return Ok(plain);
        }
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.send(&pending)?;
        }
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.stream.ssl_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => plain.extend_from_slice(&buf[..n]),
                Err(e) if e.code() == ErrorCode::WANT_READ || e.code() == ErrorCode::ZERO_RETURN => break,
                Err(e) => return Err(TlsError::Protocol(describe(&e))),
            }
        }
        Ok(plain)
    }

    /// Plaintext to protect (held until the handshake is done).
    pub fn send(&mut self, plaintext: &[u8]) -> Result<(), TlsError> {
        if !self.established {
            self.pending.extend_from_slice(plaintext);
            return Ok(());
        }
        let mut rest = plaintext;
        while !rest.is_empty() {
            match self.stream.ssl_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) => return Err(TlsError::Protocol(describe(&e))),
            }
        }
        Ok(())
    }

    /// The ciphertext to put on the wire now.
    pub fn take_outgoing(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.stream.get_mut().outbound)
    }

    pub fn established(&self) -> bool {
        self.established
    }

    /// (protocol version, cipher suite) once established.
    pub fn negotiated(&self) -> Option<(String, String)> {
        let ssl = self.stream.ssl();
        self.established.then(|| (ssl.version_str().to_string(), ssl.current_cipher().map(|c| c.name().to_string()).unwrap_or_default()))
    }

    /// The peer's leaf certificate subject (CN), once established.
    pub fn peer_subject(&self) -> Option<String> {
        let cert = self.stream.ssl().peer_certificate()?;
        let cn = cert.subject_name().entries_by_nid(openssl::nid::Nid::COMMONNAME).next()?;
        String::from_utf8(cn.data().as_slice().to_vec()).ok()
    }
}

fn describe(e: &openssl::ssl::Error) -> String {
    match e.ssl_error() {
        Some(stack) => stack.errors().iter().map(|x| x.reason().unwrap_or("?").to_string()).collect::<Vec<_>>().join("; "),
        None => e.to_string(),
    }
}
