//! Where requests go: the APIs we call, the regional hosts, and the common query string.

use super::error::{RecallError, Result};
use super::limits::SdkAppId;
use super::text::check_account;

/// Every REST command this library calls (or the emulator serves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `group_open_http_svc/group_msg_recall`
    GroupMsgRecall,
    /// `group_open_http_svc/delete_group_msg_by_sender`
    DeleteGroupMsgBySender,
    /// `openim/admin_msgwithdraw`
    AdminMsgWithdraw,
    /// `group_open_http_svc/group_msg_get_simple`
    GroupMsgGetSimple,
    /// `openim/admin_getroammsg`
    AdminGetRoamMsg,
    // Used to create data (emulator, demo, tests).
    /// `im_open_login_svc/account_import`
    AccountImport,
    /// `group_open_http_svc/create_group`
    CreateGroup,
    /// `group_open_http_svc/send_group_msg`
    SendGroupMsg,
    /// `openim/sendmsg`
    SendMsg,
}

impl Api {
    /// Every command, in declaration order.
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

    /// The command at `path` (like `openim/sendmsg`), if it is one of ours.
    pub fn from_path(path: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.path() == path)
    }
}

/// The service's data-centre regions and their hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Chinese mainland.
    China,
    /// Singapore.
    Singapore,
    /// Seoul.
    Seoul,
    /// Tokyo.
    Tokyo,
    /// Frankfurt.
    Frankfurt,
    /// Mumbai.
    India,
    /// Silicon Valley.
    Usa,
    /// Jakarta.
    Jakarta,
}

impl Region {
    /// Every region, in declaration order.
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

    /// The name callers use (`china`, `singapore`, ...).
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

    /// The REST API host of the region.
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

    /// The region called `name`; the error lists the valid names.
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
    /// The region's own endpoint.
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

    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who calls: the app and its admin account. The UserSig is passed per request because it
/// may be renewed between requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The app (validated by [`SdkAppId`]).
    pub sdk_app_id: u64,
    /// The admin account the UserSig is for.
    pub identifier: String,
}

impl Caller {
    /// Check the appid's range and the identifier.
    pub fn new(sdk_app_id: u64, identifier: &str) -> Result<Caller> {
        let sdk_app_id = SdkAppId::new(sdk_app_id)?.get();
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
    url.push_str(itoa::Buffer::new().format(caller.sdk_app_id));
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
    out.push_str(itoa::Buffer::new().format(random));
    out.push_str("&contenttype=json");
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is escaped.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding of everything but unreserved characters.
pub fn percent_encode_into(out: &mut String, s: &str) {
    out.extend(percent_encoding::utf8_percent_encode(s, QUERY_VALUE));
}

/// Decode one query component exactly as `URLSearchParams` does (WHATWG
/// application/x-www-form-urlencoded): `+` is a space, `%XX` with two hex digits is a byte,
/// any other `%` stays literally (so `%+A` is `% A`, never a control byte), and invalid UTF-8
/// becomes U+FFFD. A webhook verified here thus sees the same values as JS code reading the
/// same URL: no parser differential.
pub fn percent_decode(s: &str) -> String {
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

/// Split a query string into decoded `(name, value)` pairs, as `URLSearchParams` does
/// (empty segments skipped, a segment without `=` has an empty value).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
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
        let q = parse_query(url.split_once('?').unwrap().1);
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

    /// Each expected value is what `new URLSearchParams("k=" + input).get("k")` gives in
    /// Node and browsers.
    #[test]
    fn percent_decode_is_urlsearchparams() {
        for (input, want) in [
            ("a+b%21", "a b!"),
            ("a%2", "a%2"),
            ("%zz", "%zz"),
            ("%+A", "% A"),
            ("%%41", "%A"),
            ("%0a", "\n"),
            ("%ff", "\u{fffd}"),
            ("%E4%B8%AD", "中"),
            ("%", "%"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(percent_decode(input), want, "{input}");
            assert_eq!(
                parse_query(&format!("k={input}")),
                vec![("k".to_string(), want.to_string())],
                "{input}"
            );
        }
        // `%+A` can never smuggle a control byte in.
        assert!(!percent_decode("%+A%+a%+0").chars().any(char::is_control));
        assert_eq!(
            parse_query("&a&=b&c=d=e&&"),
            vec![
                ("a".to_string(), String::new()),
                (String::new(), "b".to_string()),
                ("c".to_string(), "d=e".to_string())
            ]
        );
    }
}
