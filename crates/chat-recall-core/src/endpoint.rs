//! Where requests go: the APIs we call, the regional hosts, and the common query string.

use super::error::{RecallError, Result};
use super::json::write_u64;
use super::text::check_account;

/// Every REST command this library calls (or the emulator serves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    GroupMsgRecall,
    DeleteGroupMsgBySender,
    AdminMsgWithdraw,
    GroupMsgGetSimple,
    AdminGetRoamMsg,
    // Used to create data (emulator, demo, tests).
    AccountImport,
    CreateGroup,
    SendGroupMsg,
    SendMsg,
}

impl Api {
    pub const ALL: [Api; 9] = [
        Api::GroupMsgRecall,
        Api::DeleteGroupMsgBySender,
        Api::AdminMsgWithdraw,
        Api::GroupMsgGetSimple,
        Api::AdminGetRoamMsg,
        Api::AccountImport,
        Api::CreateGroup,
        Api::SendGroupMsg,
        Api::SendMsg,
    ];

    /// `service/command`, as it appears after `/v4/` and in `RecallError.api`.
    pub fn path(self) -> &'static str {
        match self {
            Api::GroupMsgRecall => "group_open_http_svc/group_msg_recall",
            Api::DeleteGroupMsgBySender => "group_open_http_svc/delete_group_msg_by_sender",
            Api::AdminMsgWithdraw => "openim/admin_msgwithdraw",
            Api::GroupMsgGetSimple => "group_open_http_svc/group_msg_get_simple",
            Api::AdminGetRoamMsg => "openim/admin_getroammsg",
            Api::AccountImport => "im_open_login_svc/account_import",
            Api::CreateGroup => "group_open_http_svc/create_group",
            Api::SendGroupMsg => "group_open_http_svc/send_group_msg",
            Api::SendMsg => "openim/sendmsg",
        }
    }

    pub fn from_path(path: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.path() == path)
    }
}

/// The service's data-centre regions and their hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    China,
    Singapore,
    Seoul,
    Tokyo,
    Frankfurt,
    India,
    Usa,
    Jakarta,
}

impl Region {
    pub const ALL: [Region; 8] = [
        Region::China,
        Region::Singapore,
        Region::Seoul,
        Region::Tokyo,
        Region::Frankfurt,
        Region::India,
        Region::Usa,
        Region::Jakarta,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Region::China => "china",
            Region::Singapore => "singapore",
            Region::Seoul => "seoul",
            Region::Tokyo => "tokyo",
            Region::Frankfurt => "frankfurt",
            Region::India => "india",
            Region::Usa => "usa",
            Region::Jakarta => "jakarta",
        }
    }

    pub fn host(self) -> &'static str {
        match self {
            Region::China => "console.tim.qq.com",
            Region::Singapore => "adminapisgp.im.qcloud.com",
            Region::Seoul => "adminapikr.im.qcloud.com",
            Region::Tokyo => "adminapijpn.im.qcloud.com",
            Region::Frankfurt => "adminapiger.im.qcloud.com",
            Region::India => "adminapiind.im.qcloud.com",
            Region::Usa => "adminapiusa.im.qcloud.com",
            Region::Jakarta => "adminapiidn.im.qcloud.com",
        }
    }

    pub fn parse(name: &str) -> Result<Region> {
        // The list spelled out (a test checks it against ALL): joining at run time costs wasm.
        Region::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| {
                RecallError::invalid_input(
                    "region",
                    "must be one of china, singapore, seoul, tokyo, frankfurt, india, usa, jakarta",
                )
            })
    }
}

/// The base URL requests go to: `https://{region host}` or a caller's own (proxy, emulator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    pub fn region(r: Region) -> BaseUrl {
        BaseUrl(format!("https://{}", r.host()))
    }

    /// Accepts `http(s)://host[:port][/prefix]`; a trailing `/` and a trailing `/v4` are
    /// dropped so `…/v4/service/command` is always built the same way.
    pub fn custom(url: &str) -> Result<BaseUrl> {
        let bad = |why: &str| RecallError::invalid_input("baseUrl", why.to_string());
        if url.len() > 2048 {
            return Err(bad("is longer than 2048 bytes"));
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| bad("must start with http:// or https://"))?;
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(
                "must not contain a query, fragment, spaces or control characters",
            ));
        }
        let mut s = url.trim_end_matches('/').to_string();
        if s.ends_with("/v4") {
            s.truncate(s.len() - 3);
        }
        Ok(BaseUrl(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who calls: the app and its admin account. The UserSig is passed per request because it
/// may be renewed between requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub sdk_app_id: u64,
    pub identifier: String,
}

impl Caller {
    pub fn new(sdk_app_id: u64, identifier: &str) -> Result<Caller> {
        if sdk_app_id == 0 || sdk_app_id > u32::MAX as u64 {
            return Err(RecallError::invalid_input(
                "sdkAppId",
                "must be an integer in 1..=4294967295",
            ));
        }
        check_account("identifier", identifier)?;
        Ok(Caller {
            sdk_app_id,
            identifier: identifier.to_string(),
        })
    }
}

/// The full URL of one call. `random` is any u32, drawn fresh by the caller for each attempt.
pub fn request_url(
    base: &BaseUrl,
    api: Api,
    caller: &Caller,
    user_sig: &str,
    random: u32,
) -> String {
    let mut url = String::new();
    write_request_url(
        &mut url,
        &request_url_prefix(base, api, caller, user_sig),
        random,
    );
    url
}

/// Everything of [`request_url`] up to the `random` value (`…&usersig=…&random=`): the same
/// for every request of one API with one UserSig, so a driver can build it once.
pub fn request_url_prefix(base: &BaseUrl, api: Api, caller: &Caller, user_sig: &str) -> String {
    let mut url = String::with_capacity(base.0.len() + 64 + user_sig.len() * 3 / 2);
    url.push_str(&base.0);
    url.push_str("/v4/");
    url.push_str(api.path());
    url.push_str("?sdkappid=");
    write_u64(&mut url, caller.sdk_app_id);
    url.push_str("&identifier=");
    percent_encode_into(&mut url, &caller.identifier);
    url.push_str("&usersig=");
    percent_encode_into(&mut url, user_sig);
    url.push_str("&random=");
    url
}

/// Append the URL of one call, given its [`request_url_prefix`], to `out`.
pub fn write_request_url(out: &mut String, prefix: &str, random: u32) {
    out.reserve(prefix.len() + 28);
    out.push_str(prefix);
    write_u64(out, u64::from(random));
    out.push_str("&contenttype=json");
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
pub fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// Decode `%XX` escapes and `+` (as space); `None` on a broken escape or invalid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Split a query string into decoded `(name, value)` pairs; `None` if any part is broken.
pub fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documented_url() {
        let caller = Caller::new(88888888, "admin").unwrap();
        let url = request_url(
            &BaseUrl::region(Region::China),
            Api::GroupMsgRecall,
            &caller,
            "xxx",
            99999999,
        );
        assert_eq!(url, "https://console.tim.qq.com/v4/group_open_http_svc/group_msg_recall?sdkappid=88888888&identifier=admin&usersig=xxx&random=99999999&contenttype=json");
    }

    #[test]
    fn full_u32_random_and_encoding() {
        let caller = Caller::new(1400000000, "ad min&x").unwrap();
        let base = BaseUrl::custom("http://127.0.0.1:9000/v4/").unwrap();
        let url = request_url(&base, Api::AdminMsgWithdraw, &caller, "a*b-c_", u32::MAX);
        assert_eq!(url, "http://127.0.0.1:9000/v4/openim/admin_msgwithdraw?sdkappid=1400000000&identifier=ad%20min%26x&usersig=a%2Ab-c_&random=4294967295&contenttype=json");
        let q = parse_query(url.split_once('?').unwrap().1).unwrap();
        assert_eq!(q[1], ("identifier".into(), "ad min&x".into()));
        assert_eq!(q[2], ("usersig".into(), "a*b-c_".into()));
    }

    #[test]
    fn regions_and_paths() {
        for r in Region::ALL {
            assert_eq!(Region::parse(r.name()).unwrap(), r);
        }
        assert_eq!(Region::Tokyo.host(), "adminapijpn.im.qcloud.com");
        assert!(Region::parse("mars")
            .unwrap_err()
            .info
            .starts_with("region:"));
        let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(
            Region::parse("mars").unwrap_err().info,
            format!("region: must be one of {}", names.join(", "))
        );
        for a in Api::ALL {
            assert_eq!(Api::from_path(a.path()), Some(a));
        }
    }

    #[test]
    fn custom_base_urls() {
        assert_eq!(
            BaseUrl::custom("https://proxy.example/chat/")
                .unwrap()
                .as_str(),
            "https://proxy.example/chat"
        );
        for bad in ["", "ftp://x", "http://", "http://x?y=1", "http://a b"] {
            assert!(
                BaseUrl::custom(bad)
                    .unwrap_err()
                    .info
                    .starts_with("baseUrl:"),
                "{bad}"
            );
        }
        assert!(Caller::new(0, "a").is_err());
        assert!(Caller::new(1 << 32, "a").is_err());
    }

    #[test]
    fn percent_decode_rejects_broken_escapes() {
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("a+b%21").as_deref(), Some("a b!"));
    }
}
