//! Recall webhooks, POSTed asynchronously (never delaying the API answer) with a 2 s timeout,
//! with the query parameters the service sends, signed when a token is set.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::api::Event;
use crate::server::App;

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// The callback command and JSON body for a recall.
pub fn payload(ev: &Event) -> (&'static str, serde_json::Value) {
    match ev {
        Event::GroupRecall {
            operator,
            kind,
            group_id,
            topic_id,
            seqs,
            event_time_ms,
        } => {
            let mut b = json!({
                "CallbackCommand": "Group.CallbackAfterRecallMsg",
                "Operator_Account": operator,
                "Type": kind,
                "GroupId": group_id,
                "MsgSeqList": seqs.iter().map(|s| json!({"MsgSeq": s})).collect::<Vec<_>>(),
                "EventTime": event_time_ms,
            });
            if let Some(t) = topic_id {
                b["TopicId"] = json!(t);
            }
            ("Group.CallbackAfterRecallMsg", b)
        }
        Event::C2cWithdraw {
            from,
            to,
            key,
            event_time_ms,
        } => (
            "C2C.CallbackAfterMsgWithDraw",
            json!({
                "CallbackCommand": "C2C.CallbackAfterMsgWithDraw",
                "From_Account": from,
                "To_Account": to,
                "MsgKey": key,
                "UnreadMsgNum": 0,
                "EventTime": event_time_ms,
            }),
        ),
    }
}

pub fn callback_url(
    base: &str,
    sdk_app_id: u64,
    command: &str,
    client_ip: &str,
    token: Option<&str>,
    now: u64,
) -> String {
    let mut url = String::from(base);
    url.push(if base.contains('?') { '&' } else { '?' });
    url.push_str(&format!(
        "SdkAppid={sdk_app_id}&CallbackCommand={command}&contenttype=json&ClientIP="
    ));
    chat_recall_core::endpoint::percent_encode_into(&mut url, client_ip);
    url.push_str("&OptPlatform=RESTAPI");
    if let Some(t) = token {
        let rt = now.to_string();
        url.push_str(&format!(
            "&Sign={}&RequestTime={rt}",
            chat_recall_core::webhook::compute_sign(t, &rt)
        ));
    }
    url
}

/// Fire and forget: spawned, so the API answer never waits for the receiver.
pub fn spawn(app: Arc<App>, ev: Event, client_ip: String, now: u64) {
    let Some(base) = app.cfg.callback_url.clone() else {
        return;
    };
    tokio::spawn(async move {
        let (command, body) = payload(&ev);
        let url = callback_url(
            &base,
            app.cfg.sdk_app_id,
            command,
            &client_ip,
            app.cfg.callback_token.as_deref(),
            now,
        );
        let req = match hyper::Request::post(url.as_str())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
        {
            Ok(r) => r,
            Err(_) => {
                app.stats_mut().webhooks_failed += 1;
                return;
            }
        };
        app.stats_mut().webhooks_sent += 1;
        let res = tokio::time::timeout(Duration::from_secs(2), async {
            let resp = app.webhook_client.request(req).await.ok()?;
            let ok = resp.status().is_success();
            let _ = resp.into_body().collect().await;
            Some(ok)
        })
        .await;
        let delivered = matches!(res, Ok(Some(true)));
        let mut s = app.stats_mut();
        if delivered {
            s.webhooks_ok += 1;
        } else {
            s.webhooks_failed += 1;
        }
        drop(s);
        app.debug(&format!(
            "webhook {command} -> {}",
            if delivered { "ok" } else { "failed" }
        ));
    });
}
