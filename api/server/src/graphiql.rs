//! Self-hosted GraphiQL IDE served at `GET /graphiql`.
//!
//! Every file the page needs (GraphiQL 3 UMD bundle and stylesheet, React 18
//! UMD production builds, the page and its bootstrap script) is embedded in
//! the binary with [`include_bytes!`] from `api/server/assets/graphiql/`, so
//! the IDE works on machines with no internet access and loads nothing from a
//! CDN. See `assets/graphiql/README.md` for the pinned versions and how to
//! refresh them.
//!
//! Routes registered by [`configure`]:
//!
//! * `GET /graphiql` (and `GET /graphiql/`): the HTML page, with the
//!   [`CONTENT_SECURITY_POLICY`] that allows only same-origin scripts (no
//!   inline or `eval`ed script) and no inline style but one hashed element.
//! * `GET /graphiql/{asset}`: one of the embedded files listed in [`ASSETS`],
//!   cached for a day; any other name is `404 Not Found`.
//!
//! The page talks to the GraphQL endpoint at `/graphql` over HTTP and to
//! `ws(s)://<host>/graphql` for subscriptions. It opens the Headers pane with
//! `{"Authorization": "Bearer PASTE-TOKEN-FROM-familygraph-token"}`; the user
//! replaces the placeholder with a token from
//! `familygraph token --role administrator`. Those headers are sent with each
//! HTTP request and, for subscriptions, as the `connection_init` payload.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, Responder, web};

/// `Content-Security-Policy` sent with the GraphiQL HTML page.
///
/// Checked in headless Chromium with no violation reported while loading the
/// page, running a query, and opening the docs, history, settings and
/// short-keys panes:
///
/// * Scripts come only from this origin: the page has no inline script and
///   GraphiQL 3 needs no `eval`, so neither `'unsafe-inline'` nor
///   `'unsafe-eval'` is allowed.
/// * Styles come from this origin, plus the one `<style>` element that
///   GraphiQL's dialogs inject (react-remove-scroll-bar's scroll lock), allowed
///   by its hash ([`SCROLL_LOCK_STYLE_HASH`]) instead of `'unsafe-inline'`.
///   Style *attributes* set through the CSSOM by React and CodeMirror are not
///   subject to `style-src`.
/// * Fonts and icons are `data:` URLs inside `graphiql.min.css`.
/// * `connect-src` allows the HTTP endpoint (`'self'`) and the subscription
///   WebSocket (`ws:` / `wss:`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; \
     script-src 'self'; \
     style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='; \
     img-src 'self' data:; \
     font-src 'self' data:; \
     connect-src 'self' ws: wss:; \
     base-uri 'none'; \
     form-action 'none'; \
     frame-ancestors 'none'";

/// CSP hash of the `<style>` element GraphiQL injects while a dialog is open.
///
/// Its text depends on the body's margins and scrollbar width, which
/// `graphiql-page.css` pins to zero, so it is constant for this page. If a
/// GraphiQL upgrade changes it, the browser console shows a CSP error naming
/// the new hash when a dialog opens (the dialog still works: the blocked style
/// only hides the already hidden page scrollbar); put the new hash here.
pub const SCROLL_LOCK_STYLE_HASH: &str = "sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc=";

/// `Cache-Control` sent with the embedded static assets (not the HTML page).
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=86400";

/// `Content-Type` of the GraphiQL HTML page.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// One file embedded in the binary and served under `/graphiql/{name}`.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// File name, the last path segment of its URL.
    pub name: &'static str,
    /// Value of the `Content-Type` response header.
    pub content_type: &'static str,
    /// File contents.
    pub body: &'static [u8],
}

/// The GraphiQL HTML page served at `GET /graphiql`.
pub const INDEX_HTML: &[u8] = include_bytes!("../assets/graphiql/index.html");

/// Every file served under `/graphiql/{asset}`; any other name is a 404.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: "application/javascript; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: "application/javascript; charset=utf-8",
        body: include_bytes!("../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "application/javascript; charset=utf-8",
        body: include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql-init.js",
        content_type: "application/javascript; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql-init.js"),
    },
    Asset {
        name: "graphiql-page.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql-page.css"),
    },
    Asset {
        name: "LICENSE-graphiql.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../assets/graphiql/LICENSE-graphiql.txt"),
    },
    Asset {
        name: "LICENSE-react.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../assets/graphiql/LICENSE-react.txt"),
    },
];

/// Looks up an embedded asset by its file name (exact, case-sensitive match).
pub fn find_asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// Registers `GET /graphiql`, `GET /graphiql/` and `GET /graphiql/{asset}`.
///
/// Use with [`actix_web::App::configure`]. The page expects the GraphQL
/// endpoint (HTTP and WebSocket) at `/graphql` on the same origin.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphiql", web::get().to(index))
        .route("/graphiql/", web::get().to(index))
        .route("/graphiql/{asset}", web::get().to(asset));
}

/// The same routes inside a `web::scope("/graphiql")` (which the server guards by the
/// introspection policy).
pub fn configure_scoped(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(index))
        .route("/", web::get().to(index))
        .route("/{asset}", web::get().to(asset));
}

/// Serves the GraphiQL HTML page.
async fn index() -> impl Responder {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HTML_CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .body(INDEX_HTML)
}

/// Serves one embedded asset, or 404 for an unknown name.
async fn asset(name: web::Path<String>) -> impl Responder {
    match find_asset(name.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static(ASSET_CACHE_CONTROL),
            ))
            .insert_header((
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .body(asset.body),
        None => HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header((
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::{App, test as atest};

    fn header_str(resp: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> String {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    #[actix_web::test]
    async fn serves_index_with_security_headers() {
        let app = atest::init_service(App::new().configure(configure)).await;
        for path in ["/graphiql", "/graphiql/"] {
            let resp =
                atest::call_service(&app, atest::TestRequest::get().uri(path).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert_eq!(header_str(&resp, header::CONTENT_TYPE), HTML_CONTENT_TYPE);
            assert_eq!(header_str(&resp, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            let csp = header_str(&resp, header::CONTENT_SECURITY_POLICY);
            assert!(csp.contains("script-src 'self';"), "{csp}");
            assert!(csp.contains("connect-src 'self' ws: wss:"), "{csp}");
            let body = atest::read_body(resp).await;
            let html = String::from_utf8_lossy(&body);
            assert!(html.contains("/graphiql/graphiql.min.js"));
            assert!(html.contains("/graphiql/graphiql-init.js"));
        }
    }

    #[actix_web::test]
    async fn serves_every_asset_with_type_and_cache_headers() {
        let app = atest::init_service(App::new().configure(configure)).await;
        for asset in ASSETS {
            let uri = format!("/graphiql/{}", asset.name);
            let resp =
                atest::call_service(&app, atest::TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{uri}");
            assert_eq!(header_str(&resp, header::CONTENT_TYPE), asset.content_type);
            assert_eq!(
                header_str(&resp, header::CACHE_CONTROL),
                ASSET_CACHE_CONTROL
            );
            assert_eq!(header_str(&resp, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            let body = atest::read_body(resp).await;
            assert_eq!(body.len(), asset.body.len(), "{uri}");
            assert!(!body.is_empty(), "{uri}");
        }
    }

    #[actix_web::test]
    async fn unknown_assets_are_not_found() {
        let app = atest::init_service(App::new().configure(configure)).await;
        for uri in [
            "/graphiql/nope.js",
            "/graphiql/README.md",
            "/graphiql/index.html",
            "/graphiql/GRAPHIQL.MIN.JS",
            "/graphiql/..%2Fsrc%2Flib.rs",
            "/graphiql/graphiql.min.js/extra",
        ] {
            let resp =
                atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn csp_allows_the_scroll_lock_style_hash() {
        let quoted = format!("'{SCROLL_LOCK_STYLE_HASH}'");
        assert!(CONTENT_SECURITY_POLICY.contains(&quoted));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    }

    #[test]
    fn init_script_sets_auth_header_placeholder_and_endpoint() {
        let init = find_asset("graphiql-init.js").map(|a| String::from_utf8_lossy(a.body));
        let init = init.unwrap_or_default();
        assert!(init.contains("Bearer PASTE-TOKEN-FROM-familygraph-token"));
        assert!(init.contains("familygraph token --role administrator"));
        assert!(init.contains("'/graphql'"));
        assert!(init.contains("shouldPersistHeaders: true"));
    }
}
