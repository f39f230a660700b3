//! The WebSocket behind subscriptions: `graphql-transport-ws` (and the older `graphql-ws`)
//! carried by async-graphql's protocol state machine over an actix-ws connection.
//!
//! Besides relaying frames, the connection pings the client every [`HEARTBEAT`] and drops it
//! after [`CLIENT_TIMEOUT`] of silence, and closes with code 1001 (going away) as soon as the
//! server starts draining, so that clients reconnect to another replica.

use std::str::FromStr as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor};
use futures_util::StreamExt as _;
use tokio::sync::{mpsc, watch};

/// How often the server pings the client.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// Silence after which the client is considered gone.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest message accepted from a client.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Frames from the client buffered before it is made to wait.
const INBOUND_BUFFER: usize = 16;

/// Subscription connections open in this process.
static OPEN_CONNECTIONS: AtomicI64 = AtomicI64::new(0);

/// Subscription connections open in this process now (the
/// `familygraph.subscriptions.connections` gauge): however a connection ends — a close frame,
/// a dropped socket, a silent client timed out, the server draining — it stops being counted.
pub fn open_connections() -> i64 {
    OPEN_CONNECTIONS.load(Ordering::Relaxed)
}

/// Counts one open connection for as long as it lives.
struct OpenConnection;

impl OpenConnection {
    fn open() -> Self {
        OPEN_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        OPEN_CONNECTIONS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Upgrades `req` to a subscription connection running `schema`; the connection closes with
/// 1001 when `draining` turns `true`. `on_init` authenticates `connection_init`.
pub fn start<E, OnInit, Fut>(
    schema: E,
    data: Data,
    on_init: OnInit,
    draining: watch::Receiver<bool>,
    req: &HttpRequest,
    payload: web::Payload,
) -> HttpResponse
where
    E: Executor,
    OnInit: FnOnce(serde_json::Value) -> Fut + Send + 'static,
    Fut: Future<Output = async_graphql::Result<Data>> + Send + 'static,
{
    let protocol = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return HttpResponse::BadRequest()
            .body("ask for the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol)");
    };
    let (mut response, session, messages) = match actix_ws::handle(req, payload) {
        Ok(parts) => parts,
        Err(error) => return error.as_response_error().error_response(),
    };
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let messages = messages
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    let (inbound, inbound_rx) = mpsc::channel::<Vec<u8>>(INBOUND_BUFFER);
    let input = futures_util::stream::unfold(inbound_rx, |mut rx| async move {
        rx.recv().await.map(|message| (message, rx))
    });
    let protocol_machine = WebSocket::new(schema, input, protocol)
        .connection_data(data)
        .on_connection_init(on_init);
    actix_web::rt::spawn(relay(
        session,
        messages,
        inbound,
        protocol_machine,
        draining,
    ));
    response
}

/// Relays frames between the client and the protocol state machine until either side ends,
/// the client falls silent, or the server drains.
async fn relay(
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
    inbound: mpsc::Sender<Vec<u8>>,
    outbound: impl futures_util::Stream<Item = WsMessage>,
    mut draining: watch::Receiver<bool>,
) {
    let _open = OpenConnection::open();
    let mut outbound = std::pin::pin!(outbound);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let close = loop {
        tokio::select! {
            biased;
            _ = draining.wait_for(|draining| *draining) => {
                break Some(CloseReason {
                    code: CloseCode::Away,
                    description: Some("the server is shutting down; reconnect".to_owned()),
                });
            }
            message = outbound.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    break Some(CloseReason {
                        code: CloseCode::from(code),
                        description: Some(reason),
                    });
                }
                None => break None,
            },
            message = messages.next() => {
                last_heard = Instant::now();
                let frame = match message {
                    Some(Ok(AggregatedMessage::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(AggregatedMessage::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => continue,
                    Some(Ok(AggregatedMessage::Close(_))) => break None,
                    Some(Err(_)) | None => return,
                };
                if inbound.send(frame).await.is_err() {
                    break None;
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    return;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(close).await;
}
