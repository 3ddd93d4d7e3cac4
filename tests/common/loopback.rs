//! An axum app served on an ephemeral 127.0.0.1 port for the rest of the test: the stand-in for
//! a web site or a webhook receiver (tests never reach any other address).

/// Serves `app` in a background task; returns its address.
pub async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}
