//! OCMF signature algorithms (spec table 22): seven ECDSA curves, all with SHA-256.

use openssl::nid::Nid;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Curve {
    #[serde(rename = "secp192k1")]
    Secp192k1,
    #[serde(rename = "secp256k1")]
    Secp256k1,
    #[serde(rename = "secp192r1")]
    Secp192r1,
    #[serde(rename = "secp256r1")]
    Secp256r1,
    #[serde(rename = "brainpool256r1")]
    Brainpool256r1,
    #[serde(rename = "secp384r1")]
    Secp384r1,
    #[serde(rename = "brainpool384r1")]
    Brainpool384r1,
}

pub const ALL_CURVES: [Curve; 7] = [
    Curve::Secp192k1,
    Curve::Secp256k1,
    Curve::Secp192r1,
    Curve::Secp256r1,
    Curve::Brainpool256r1,
    Curve::Secp384r1,
    Curve::Brainpool384r1,
];

/// The algorithm when SA is absent (since OCMF 0.4).
pub const DEFAULT_CURVE: Curve = Curve::Secp256r1;

impl Curve {
    /// The name in OCMF's SA (`ECDSA-<name>-SHA256`).
    pub fn name(self) -> &'static str {
        match self {
            Curve::Secp192k1 => "secp192k1",
            Curve::Secp256k1 => "secp256k1",
            Curve::Secp192r1 => "secp192r1",
            Curve::Secp256r1 => "secp256r1",
            Curve::Brainpool256r1 => "brainpool256r1",
            Curve::Secp384r1 => "secp384r1",
            Curve::Brainpool384r1 => "brainpool384r1",
        }
    }

    /// The SA value that names this curve.
    pub fn algorithm(self) -> String {
        format!("ECDSA-{}-SHA256", self.name())
    }

    pub fn nid(self) -> Nid {
        match self {
            Curve::Secp192k1 => Nid::SECP192K1,
            Curve::Secp256k1 => Nid::SECP256K1,
            Curve::Secp192r1 => Nid::X9_62_PRIME192V1,
            Curve::Secp256r1 => Nid::X9_62_PRIME256V1,
            Curve::Brainpool256r1 => Nid::BRAINPOOL_P256R1,
            Curve::Secp384r1 => Nid::SECP384R1,
            Curve::Brainpool384r1 => Nid::BRAINPOOL_P384R1,
        }
    }

    pub fn from_nid(nid: Nid) -> Option<Curve> {
        ALL_CURVES.into_iter().find(|c| c.nid() == nid)
    }

    /// The DER content bytes of the curve's object identifier (as in a SubjectPublicKeyInfo).
    pub fn oid_der(self) -> &'static [u8] {
        match self {
            Curve::Secp192k1 => &[0x2B, 0x81, 0x04, 0x00, 0x1F],
            Curve::Secp256k1 => &[0x2B, 0x81, 0x04, 0x00, 0x0A],
            Curve::Secp192r1 => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x01],
            Curve::Secp256r1 => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
            Curve::Brainpool256r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07],
            Curve::Secp384r1 => &[0x2B, 0x81, 0x04, 0x00, 0x22],
            Curve::Brainpool384r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B],
        }
    }

    /// Bytes of one coordinate (and of r and s).
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::Secp192k1 | Curve::Secp192r1 => 24,
            Curve::Secp256k1 | Curve::Secp256r1 | Curve::Brainpool256r1 => 32,
            Curve::Secp384r1 | Curve::Brainpool384r1 => 48,
        }
    }
}

/// How an SA value named its curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// As in table 22.
    Spec,
    /// `brainpoolP256r1` / `brainpoolP384r1` (NZR devices; transparency software accepts it).
    BrainpoolP,
}

/// Why an SA value names no algorithm hilbench verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgorithmError {
    /// Well-formed, but outside table 22 (e.g. `…-SHA384`, secp521r1, EdDSA).
    NotInOcmf,
    Malformed,
}

/// Parses an SA value.
pub fn parse_algorithm(sa: &str) -> Result<(Curve, Spelling), AlgorithmError> {
    let rest = sa.strip_prefix("ECDSA-").ok_or(if sa.contains('-') {
        AlgorithmError::NotInOcmf
    } else {
        AlgorithmError::Malformed
    })?;
    let (curve, hash) = rest.rsplit_once('-').ok_or(AlgorithmError::Malformed)?;
    if hash != "SHA256" {
        return Err(AlgorithmError::NotInOcmf);
    }
    if let Some(c) = ALL_CURVES.into_iter().find(|c| c.name() == curve) {
        return Ok((c, Spelling::Spec));
    }
    match curve {
        "brainpoolP256r1" => Ok((Curve::Brainpool256r1, Spelling::BrainpoolP)),
        "brainpoolP384r1" => Ok((Curve::Brainpool384r1, Spelling::BrainpoolP)),
        _ => Err(AlgorithmError::NotInOcmf),
    }
}
