//! The `/transactions/sync` paging helper.

mod common;

use mockito::Matcher;
use plaid_client::{AccessToken, Error};
use serde_json::{json, Value};

fn page(added: &[&str], next_cursor: &str, has_more: bool) -> String {
    let mut body = common::example("/transactions/sync");
    let template = body["added"][0].clone();
    body["added"] = Value::Array(
        added
            .iter()
            .map(|id| {
                let mut t = template.clone();
                t["transaction_id"] = json!(id);
                t
            })
            .collect(),
    );
    body["modified"] = json!([]);
    body["removed"] = json!([]);
    body["next_cursor"] = json!(next_cursor);
    body["has_more"] = json!(has_more);
    body.to_string()
}

fn cursor_is(cursor: Option<&str>) -> Matcher {
    match cursor {
        Some(c) => Matcher::PartialJson(json!({ "cursor": c })),
        None => Matcher::Regex("^[^c]*(c[^u][^c]*)*$".into()), // no "cursor" key at all
    }
}

#[tokio::test]
async fn pages_until_has_more_is_false() {
    let mut server = mockito::Server::new_async().await;
    for (from, ids, next, more) in
        [(None, vec!["t1", "t2"], "c1", true), (Some("c1"), vec!["t3"], "c2", true), (Some("c2"), vec![], "c3", false)]
    {
        server
            .mock("POST", "/transactions/sync")
            .match_body(cursor_is(from))
            .with_body(page(&ids, next, more))
            .expect(1)
            .create_async()
            .await;
    }
    let result =
        common::client(&server.url()).sync_transactions(&AccessToken::new("access-sandbox-1"), None, 2).await.unwrap();
    let ids: Vec<_> = result.added.iter().map(|t| t.transaction_id.as_str()).collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert_eq!(result.next_cursor.as_deref(), Some("c3"));
    assert_eq!(result.pages, 3);
}

#[tokio::test]
async fn empty_next_cursor_means_not_ready_and_keeps_the_old_cursor() {
    let mut server = mockito::Server::new_async().await;
    server.mock("POST", "/transactions/sync").with_body(page(&[], "", false)).create_async().await;
    let result = common::client(&server.url())
        .sync_transactions(&AccessToken::new("access-sandbox-1"), Some("old"), 100)
        .await
        .unwrap();
    assert_eq!(result.next_cursor, None);
    assert!(result.added.is_empty());
}

#[tokio::test]
async fn mutation_during_pagination_restarts_from_the_first_cursor() {
    let mut server = mockito::Server::new_async().await;
    // mockito answers with the first matching mock whose `expect` is not used up, so these
    // play in order: a first pass that fails on page 2, then a clean second pass.
    let script = [
        ("start", 200, page(&["stale"], "p1", true)),
        ("p1", 400, common::plaid_error("TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")),
        ("start", 200, page(&["fresh1"], "q1", true)),
        ("q1", 200, page(&["fresh2"], "q2", false)),
    ];
    let mut mocks = Vec::new();
    for (cursor, status, body) in script {
        mocks.push(
            server
                .mock("POST", "/transactions/sync")
                .match_body(cursor_is(Some(cursor)))
                .with_status(status)
                .with_body(body)
                .expect(1)
                .create_async()
                .await,
        );
    }
    let result = common::client(&server.url())
        .sync_transactions(&AccessToken::new("access-sandbox-1"), Some("start"), 1)
        .await
        .unwrap();
    let ids: Vec<_> = result.added.iter().map(|t| t.transaction_id.as_str()).collect();
    assert_eq!(ids, ["fresh1", "fresh2"], "nothing from the abandoned pass may be kept");
    assert_eq!(result.next_cursor.as_deref(), Some("q2"));
    assert_eq!(result.restarts, 1);
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn another_error_mid_paging_returns_the_error_and_nothing_else() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", "/transactions/sync")
        .match_body(cursor_is(Some("start")))
        .with_body(page(&["t1"], "p1", true))
        .create_async()
        .await;
    server
        .mock("POST", "/transactions/sync")
        .match_body(cursor_is(Some("p1")))
        .with_status(400)
        .with_body(common::plaid_error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED"))
        .create_async()
        .await;
    let err = common::client(&server.url())
        .sync_transactions(&AccessToken::new("access-sandbox-1"), Some("start"), 1)
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.error_code == "ITEM_LOGIN_REQUIRED"), "{err:?}");
}
