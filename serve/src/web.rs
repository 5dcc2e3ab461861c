//! The explorer page and its scripts (serve/web/), compiled into the binary so that a server
//! needs no files beside it and the page loads nothing from outside the machine.

use axum::{
    http::header,
    response::{Html, IntoResponse},
    routing::get,
    Router,
};

/// `/` and `/web/*.js`.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Html(include_str!("../web/page.html")) }))
        .route("/web/explorer.js", get(|| async { script(include_str!("../web/explorer.js")) }))
        .route("/web/report-view.js", get(|| async { script(include_str!("../web/report-view.js")) }))
}

fn script(source: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], source)
}
