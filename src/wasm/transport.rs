//! The fetch transport and the few JS runtime services the client needs: the global `fetch`
//! (or one the caller injects), `setTimeout`, an `AbortController` per attempt, and a
//! completion queue that lets the driver wait for "the next answer or a deadline".
//!
//! Only globals are bound (never `window`), so one build runs in pages, Web Workers,
//! Cloudflare Workers and Node.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::endpoint::Api;
use crate::core::error::{ErrorKind, RecallError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    /// Any object with `abort()` and `signal`: the runtime's AbortController.
    type AbortController;
    #[wasm_bindgen(constructor, js_class = "AbortController")]
    fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);
}

/// Milliseconds on the JS clock. The only clock the client reads.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A fresh u32 from the runtime's CSPRNG (crypto.getRandomValues), for `random` and jitter.
pub fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::getrandom(&mut b).is_ok() {
        u32::from_le_bytes(b)
    } else {
        // No CSPRNG (very old runtimes): `random` only has to differ between requests.
        (js_sys::Math::random() * 4294967296.0) as u32
    }
}

/// A timer that can be cancelled; cancelled on drop.
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn start(ms: f64, f: impl FnMut() + 'static) -> Timer {
        let cb = Closure::<dyn FnMut()>::new(f);
        let id = set_timeout(cb.as_ref().unchecked_ref(), ms.max(0.0));
        Timer { id, _callback: cb }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// What one attempt produced: an HTTP answer (status and body bytes) or a transport error.
pub struct Completion {
    pub request_id: u64,
    pub result: Result<(u16, Vec<u8>), RecallError>,
}

/// Completions of one job's in-flight requests, and a way to sleep until the next one.
#[derive(Default)]
pub struct Inbox {
    queue: RefCell<VecDeque<Completion>>,
    wake: RefCell<Option<Function>>,
    /// Set by the caller's AbortSignal.
    pub aborted: Cell<bool>,
    /// AbortControllers of in-flight attempts, by request id.
    controllers: RefCell<Vec<(u64, AbortController)>>,
}

impl Inbox {
    pub fn push(&self, c: Completion) {
        self.controllers.borrow_mut().retain(|(id, _)| *id != c.request_id);
        self.queue.borrow_mut().push_back(c);
        self.wake_up();
    }

    pub fn pop(&self) -> Option<Completion> {
        self.queue.borrow_mut().pop_front()
    }

    pub fn wake_up(&self) {
        if let Some(resolve) = self.wake.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// Abort every in-flight fetch (their completions still arrive, as aborted).
    pub fn abort_all(&self) {
        for (_, c) in self.controllers.borrow_mut().drain(..) {
            c.abort();
        }
    }

    /// Sleep until a completion arrives, the caller aborts, or (if given) `deadline_ms`.
    pub async fn wait(self: &Rc<Self>, deadline_ms: Option<f64>) {
        if !self.queue.borrow().is_empty() || self.aborted.get() {
            return;
        }
        let inbox = self.clone();
        let promise = Promise::new(&mut |resolve, _reject| {
            *inbox.wake.borrow_mut() = Some(resolve);
        });
        let _timer = deadline_ms.map(|t| {
            let inbox = self.clone();
            Timer::start(t - now_ms(), move || inbox.wake_up())
        });
        let _ = JsFuture::from(promise).await;
    }
}

/// How to reach the service.
#[derive(Clone)]
pub struct Transport {
    /// The caller's `fetch`, or `None` for the global one.
    pub fetch: Option<Function>,
    pub timeout_ms: f64,
}

impl Transport {
    /// Start one POST without waiting for it; its completion lands in `inbox`.
    pub fn start(&self, inbox: &Rc<Inbox>, api: Api, request_id: u64, url: String, body: String) {
        let controller = AbortController::new();
        let signal = controller.signal();
        inbox.controllers.borrow_mut().push((request_id, controller));
        let this = self.clone();
        let inbox = inbox.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = this.post(api, &url, body, signal, &inbox, request_id).await;
            inbox.push(Completion { request_id, result });
        });
    }

    async fn post(&self, api: Api, url: &str, body: String, signal: JsValue, inbox: &Rc<Inbox>, request_id: u64) -> Result<(u16, Vec<u8>), RecallError> {
        let init = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&init, &JsValue::from_str(k), v);
        };
        set("method", &"POST".into());
        let headers = Object::new();
        let _ = Reflect::set(&headers, &"content-type".into(), &"application/json".into());
        set("headers", &headers);
        set("body", &body.into());
        set("signal", &signal);

        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let timed_out = timed_out.clone();
            let inbox = inbox.clone();
            Timer::start(self.timeout_ms, move || {
                timed_out.set(true);
                let controllers = inbox.controllers.borrow();
                if let Some((_, c)) = controllers.iter().find(|(id, _)| *id == request_id) {
                    c.abort();
                }
            })
        };
        let failed = |e: JsValue| -> RecallError {
            if timed_out.get() {
                RecallError::new(ErrorKind::Timeout, format!("no answer within {} ms", self.timeout_ms as u64))
            } else if inbox.aborted.get() {
                RecallError::new(ErrorKind::Aborted, "the operation was aborted")
            } else {
                RecallError::new(ErrorKind::Network, format!("fetch failed: {}", error_text(&e)))
            }
            .with_api(api.path())
        };

        let response = match &self.fetch {
            Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), &init).map(|p| Promise::resolve(&p)),
            None => Ok(global_fetch(url, &init)),
        };
        let response = JsFuture::from(response.map_err(&failed)?).await.map_err(&failed)?;
        let status = Reflect::get(&response, &"status".into()).ok().and_then(|s| s.as_f64()).unwrap_or(0.0);
        if !(100.0..=599.0).contains(&status) {
            return Err(RecallError::protocol("fetch resolved to something that is not a Response").with_api(api.path()));
        }
        let read = Reflect::get(&response, &"arrayBuffer".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .and_then(|f| f.call0(&response).ok())
            .ok_or_else(|| RecallError::protocol("the Response has no arrayBuffer()").with_api(api.path()))?;
        let bytes = JsFuture::from(Promise::resolve(&read)).await.map_err(&failed)?;
        Ok((status as u16, Uint8Array::new(&bytes).to_vec()))
    }
}

/// The message of a thrown JS value, for error texts.
pub fn error_text(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    let msg = Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
    let cause = Reflect::get(e, &"cause".into())
        .ok()
        .and_then(|c| Reflect::get(&c, &"message".into()).ok())
        .and_then(|m| m.as_string());
    match cause {
        Some(c) if !c.is_empty() => format!("{msg} ({c})"),
        _ => msg,
    }
}
