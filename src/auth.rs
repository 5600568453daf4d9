//! API tokens and roles. A token is `ys_<id>_<secret>`: the id finds the
//! stored record, and only the SHA-256 of the secret is stored, compared in
//! constant time. Roles: `viewer` reads dashboards, reports and exports;
//! `ingester` sends data; `admin` may do everything, including changing the
//! catalogue and reading rejects and batches.

use rand::TryRngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Ingester,
    Admin,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "ingester" => Ok(Role::Ingester),
            "admin" => Ok(Role::Admin),
            o => Err(format!("unknown role `{o}`: viewer, ingester or admin")),
        }
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Ingester => "ingester",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `need` names.
    pub fn allows(self, need: Role) -> bool {
        self == Role::Admin || self == need
    }

    /// The role with its article: "a `viewer`", "an `admin`".
    pub fn a(self) -> &'static str {
        match self {
            Role::Viewer => "a `viewer`",
            Role::Ingester => "an `ingester`",
            Role::Admin => "an `admin`",
        }
    }

    /// The tokens that may do what this role names, in words: "a `viewer`
    /// or `admin` token" ([`Role::allows`]).
    pub fn holders(self) -> &'static str {
        match self {
            Role::Viewer => "a `viewer` or `admin` token",
            Role::Ingester => "an `ingester` or `admin` token",
            Role::Admin => "an `admin` token",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a secret, in hex.
/// A token request's role and holder, checked: the role is one of the
/// three and the holder's name is not empty (the CLI and the API alike).
pub fn token_request(role: &str, name: &str) -> Result<(Role, String), String> {
    let role: Role = role.parse()?;
    let name = name.trim();
    if name.is_empty() {
        return Err("the name is empty: say who holds the token".into());
    }
    Ok((role, name.to_string()))
}

pub fn digest(secret: &str) -> String {
    digest_bytes(secret.as_bytes())
}

/// The SHA-256 of any bytes, in hex.
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A new token: (id, secret, the whole token to hand out once).
pub fn new_token() -> (String, String, String) {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 24];
    let mut os = rand::rngs::OsRng;
    os.try_fill_bytes(&mut id)
        .and_then(|()| os.try_fill_bytes(&mut secret))
        .expect("the operating system gives random bytes");
    let (id, secret) = (hex(&id), hex(&secret));
    let token = format!("ys_{id}_{secret}");
    (id, secret, token)
}

/// Splits a token into id and secret, if it has the shape of one.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let rest = token.trim().strip_prefix("ys_")?;
    let (id, secret) = rest.split_once('_')?;
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (ok(id, 16) && ok(secret, 48)).then_some((id, secret))
}

/// Compares two hex digests without stopping at the first difference.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_and_digest() {
        let (id, secret, token) = new_token();
        assert_eq!(split(&token), Some((id.as_str(), secret.as_str())));
        assert!(split("ys_zz_00").is_none());
        assert!(split(&token.replace("ys_", "xs_")).is_none());
        assert!(same_digest(&digest(&secret), &digest(&secret)));
        assert!(!same_digest(&digest(&secret), &digest("other")));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn admin_may_do_everything_others_only_their_own() {
        assert!(Role::Admin.allows(Role::Viewer) && Role::Admin.allows(Role::Ingester));
        assert!(Role::Viewer.allows(Role::Viewer) && !Role::Viewer.allows(Role::Ingester));
        assert!(!Role::Ingester.allows(Role::Viewer) && !Role::Ingester.allows(Role::Admin));
    }
}
