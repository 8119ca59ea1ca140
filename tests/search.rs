//! Search and listings over HTTP, on SQLite and on Postgres: the ranking tiers, prefix search as
//! the user types, hostile queries, an index that follows edits and deletions, and totals that say
//! when they stopped counting.

mod common;

use common::{TestApp, TestResponse};
use nanos_store::teams::service as teams;
use nanos_store::tokens::Scope;
use serde_json::json;

/// A team `studio` whose owner's token (all scopes) is returned.
async fn studio(app: &TestApp) -> String {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    format!(
        "Token {}",
        app.create_token(&owner, &Scope::ALL, None).await
    )
}

/// Creates a package of `studio`.
async fn package(
    app: &TestApp,
    auth: &str,
    name: &str,
    title: &str,
    description: &str,
    tags: &[&str],
) {
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(auth),
            Some(json!({"name": name, "team": "studio", "title": title, "description": description, "category": "script", "tags": tags})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
}

/// The listing at `path` (a 200), as its names.
async fn names(app: &TestApp, path: &str) -> Vec<String> {
    let response = app.api("GET", path, None, None).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    names_in(&response)
}

fn names_in(response: &TestResponse) -> Vec<String> {
    response.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

fn search(query: &str) -> String {
    let query: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("/store/v1/packages?q={query}")
}

/// One package per ranking tier for `drift kings`, out of creation order, and one that does not
/// match.
async fn catalogue(app: &TestApp, auth: &str) {
    package(
        app,
        auth,
        "described-a",
        "Described",
        "The drift kings are back.",
        &[],
    )
    .await;
    package(app, auth, "tagged", "Tagged", "", &["drift", "kings"]).await;
    package(
        app,
        auth,
        "city-builder",
        "City builder",
        "Roads and houses.",
        &["building"],
    )
    .await;
    package(app, auth, "arena-racer", "Drift Kings Arena", "", &[]).await;
    package(app, auth, "drift-kings-2", "Sequel", "", &[]).await;
    package(
        app,
        auth,
        "described-b",
        "Described too",
        "Kings of drift.",
        &[],
    )
    .await;
    package(app, auth, "drift-kings", "Kings", "", &[]).await;
    // Ties within a tier go to the most downloaded; across tiers downloads and names do not
    // count (the later tiers have more downloads, and names that sort first).
    for (name, downloads) in [
        ("described-b", 5),
        ("drift-kings-2", 10),
        ("arena-racer", 20),
        ("tagged", 30),
    ] {
        sqlx::query("UPDATE resources SET download_count = $1 WHERE name = $2")
            .bind(downloads)
            .bind(name)
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
}

async fn results_are_ranked_in_tiers_and_found_as_the_user_types(app: &TestApp) {
    let auth = studio(app).await;
    catalogue(app, &auth).await;
    let ranked = [
        "drift-kings",   // the exact name
        "drift-kings-2", // a name starting with the query
        "arena-racer",   // in the title
        "tagged",        // in the tags
        "described-b",   // in the description, more downloads
        "described-a",
    ];
    assert_eq!(names(app, &search("drift kings")).await, ranked);
    assert_eq!(names(app, &search("Drift Kings")).await, ranked);
    // The last word as a prefix: both names start with `drift-kin` (one tier, so downloads
    // decide).
    let mut as_typed = ranked;
    as_typed.swap(0, 1);
    assert_eq!(names(app, &search("drift kin")).await, as_typed);
    assert_eq!(names(app, &search("kin")).await.len(), 6);
    // The first letters typed: two find words that start with them and names that start with
    // them (tier by tier); one finds only the names.
    assert_eq!(
        names(app, &search("dr")).await,
        [
            "drift-kings-2",
            "drift-kings",
            "arena-racer",
            "tagged",
            "described-b",
            "described-a"
        ]
    );
    assert_eq!(
        names(app, &search("d")).await,
        ["drift-kings-2", "described-b", "described-a", "drift-kings"]
    );
    // A finished word is not a prefix (in a title: names are also searched for what they
    // contain, `car` in `racecar`).
    assert_eq!(names(app, &search("seque")).await, ["drift-kings-2"]);
    assert!(names(app, &search("seque ")).await.is_empty());
    assert_eq!(
        names(app, &search("ings")).await,
        ["drift-kings-2", "drift-kings"]
    );
    assert_eq!(names(app, &search("roads")).await, ["city-builder"]);
    // Another sort keeps the matches and orders them its way.
    assert_eq!(
        names(app, &format!("{}&sort=name", search("drift"))).await,
        [
            "arena-racer",
            "described-a",
            "described-b",
            "drift-kings",
            "drift-kings-2",
            "tagged"
        ]
    );
    // With a filter and pages.
    assert_eq!(
        names(app, &format!("{}&tag=drift", search("kings"))).await,
        ["tagged"]
    );
    let second = app
        .api(
            "GET",
            &format!("{}&page_size=4&page=2", search("drift kings")),
            None,
            None,
        )
        .await;
    assert_eq!(names_in(&second), ["described-b", "described-a"]);
    assert_eq!(second.json()["total"], 6);
    assert_eq!(second.json()["total_exact"], true);
    // The listing's tags come with each item.
    let tagged = app.api("GET", &search("tagged"), None, None).await;
    assert_eq!(tagged.json()["items"][0]["tags"], json!(["drift", "kings"]));
    let facets = app.get("/packages?q=drift+kings", None).await;
    assert_eq!(facets.status, 200);
    assert!(facets.body.contains("6 found"), "{}", facets.body);
}

async fn hostile_queries_get_a_clean_answer(app: &TestApp) {
    let auth = studio(app).await;
    catalogue(app, &auth).await;
    let plain = names(app, &search("drift kings")).await;
    let long = "drift ".repeat(100);
    for query in [
        "\"drift kings\"",
        "drift* kings*\"",
        "-drift -kings",
        "(drift) {kings}",
        "drift:* & kings | !",
        "'drift' <-> 'kings'",
        "^drift +kings",
    ] {
        assert_eq!(names(app, &search(query)).await, plain, "{query}");
    }
    for query in [
        "\"",
        "*",
        "'",
        "-",
        "(",
        ")",
        "NEAR",
        "NEAR(drift kings, 2)",
        "drift NOT kings",
        "drift AND kings",
        "OR",
        ":",
        "&",
        "|",
        "!",
        "\\",
        "%",
        "_",
        "{name}: drift",
        "日本語",
        "café",
        "🚗 drift",
        "\u{0}drift",
        "ｄｒｉｆｔ",
        long.as_str(),
    ] {
        let response = app.api("GET", &search(query), None, None).await;
        assert_eq!(response.status, 200, "{query:?}: {}", response.body);
        assert!(response.json()["items"].is_array(), "{query:?}");
        let page = app
            .get(
                &format!("/packages{}", &search(query)["/store/v1/packages".len()..]),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{query:?}");
    }
    // Nothing to search for: the whole listing.
    assert_eq!(names(app, &search("--")).await.len(), 7);
}

async fn search_follows_edits_and_deletions(app: &TestApp) {
    let auth = studio(app).await;
    catalogue(app, &auth).await;
    let edit = |name: &str, change: serde_json::Value| {
        let path = format!("/store/v1/packages/{name}");
        let auth = auth.clone();
        async move {
            let response = app.api("PATCH", &path, Some(&auth), Some(change)).await;
            assert_eq!(response.status, 200, "{}", response.body);
        }
    };
    edit("city-builder", json!({"title": "Skyline"})).await;
    assert_eq!(names(app, &search("skyline")).await, ["city-builder"]);
    assert_eq!(names(app, &search("city builder")).await, ["city-builder"]);
    edit(
        "city-builder",
        json!({"description": "Now with zeppelins."}),
    )
    .await;
    assert_eq!(names(app, &search("zeppelin")).await, ["city-builder"]);
    assert!(names(app, &search("roads")).await.is_empty());
    edit("city-builder", json!({"tags": ["monorail"]})).await;
    assert_eq!(names(app, &search("monorail")).await, ["city-builder"]);
    assert!(names(app, &search("building")).await.is_empty());
    edit("tagged", json!({"tags": []})).await;
    assert!(!names(app, &search("drift kings"))
        .await
        .contains(&"tagged".to_string()));

    let deleted = app
        .api(
            "DELETE",
            "/store/v1/packages/drift-kings",
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        names(app, &search("drift kings")).await,
        ["drift-kings-2", "arena-racer", "described-b", "described-a"]
    );
    // A new resource with a deleted one's name is found once.
    package(app, &auth, "drift-kings", "Kings again", "", &[]).await;
    assert_eq!(names(app, &search("drift kings")).await[0], "drift-kings");
    assert_eq!(names(app, &search("again")).await, ["drift-kings"]);
}

async fn totals_are_exact_up_to_a_limit_then_say_so(app: &TestApp) {
    let auth = studio(app).await;
    catalogue(app, &auth).await;
    let exact = app.api("GET", "/store/v1/packages", None, None).await;
    assert_eq!(
        (
            exact.json()["total"].clone(),
            exact.json()["total_exact"].clone()
        ),
        (json!(7), json!(true))
    );
    // 1,100 asset packs written straight into the database: the search index takes them too.
    let team = teams::find(&app.state.pool, "studio")
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100) \
         INSERT INTO resources (id, kind, name, team_id, title, short_description, description, category, created_at, updated_at) \
         SELECT 'bulk-' || i, 'asset-pack', 'bulk-' || i, $1, 'Bulk pack ' || i, '', '', 'vehicles', i, i FROM n",
    )
    .bind(&team.id)
    .execute(&app.state.pool)
    .await
    .unwrap();
    for path in [
        "/store/v1/assets",
        "/store/v1/assets?q=bulk+pack",
        "/store/v1/assets?category=vehicles&sort=name",
    ] {
        let response = app.api("GET", path, None, None).await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(response.json()["total"], 1_000, "{path}");
        assert_eq!(response.json()["total_exact"], false, "{path}");
        assert_eq!(
            response.json()["items"].as_array().unwrap().len(),
            20,
            "{path}"
        );
    }
    let one = app
        .api("GET", "/store/v1/assets?q=bulk+pack+424+", None, None)
        .await;
    assert_eq!(names_in(&one), ["bulk-424"]);
    assert_eq!(
        (
            one.json()["total"].clone(),
            one.json()["total_exact"].clone()
        ),
        (json!(1), json!(true))
    );
    let deep = app
        .api(
            "GET",
            "/store/v1/assets?sort=name&page=50&page_size=20",
            None,
            None,
        )
        .await;
    assert_eq!(deep.status, 200);
    assert_eq!(names_in(&deep).len(), 20);
    // A tag shared by more than the limit: the page is the same whichever way the database walks.
    sqlx::query("INSERT INTO resource_tags (resource_id, tag) SELECT id, 'bulk' FROM resources WHERE id LIKE 'bulk-%'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let mut by_name: Vec<String> = (1..=1100).map(|i| format!("bulk-{i}")).collect();
    by_name.sort();
    for page in [1, 2, 50] {
        let tagged = app
            .api(
                "GET",
                &format!("/store/v1/assets?tag=bulk&sort=name&page={page}"),
                None,
                None,
            )
            .await;
        assert_eq!(tagged.json()["total_exact"], false);
        let start = (page - 1) * 20;
        assert_eq!(names_in(&tagged), by_name[start..start + 20], "page {page}");
    }
    // What a search filters by follows every change of the resource.
    let in_vehicles = "/store/v1/assets?q=bulk+pack+424+&category=vehicles";
    assert_eq!(
        names_in(&app.api("GET", in_vehicles, None, None).await),
        ["bulk-424"]
    );
    sqlx::query("UPDATE resources SET category = 'weapons' WHERE id = 'bulk-424'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert!(names_in(&app.api("GET", in_vehicles, None, None).await).is_empty());
    let page = app.get("/assets", None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1,000+ found"), "{}", page.body);
    // Past the counted total (1,000 is 84 pages of 12), a full page still leads to the next one.
    let last_counted = app.get("/assets?page=84", None).await.body;
    assert!(
        last_counted.contains(r#"href="/assets?page=85""#),
        "{last_counted}"
    );
    let beyond = app.get("/assets?page=85", None).await.body;
    assert!(beyond.contains("Page 85 of 86+"), "{beyond}");
    assert!(app.get("/packages", None).await.body.contains("7 found"));
}

/// Pages of a search walked one by one across the point where the names and titles that match end
/// and the resources that mention the word elsewhere begin (the ranking's tiers 0 to 2, then 3 and
/// 4; see `list` in src/resources/service.rs): every match once, in ranking order, whatever page
/// size.
async fn pages_cross_from_titles_to_descriptions_in_order(app: &TestApp) {
    let auth = studio(app).await;
    let team = teams::find(&app.state.pool, "studio")
        .await
        .unwrap()
        .unwrap();
    // 23 titles with the word, 9 tags and 11 descriptions; each group's downloads out of name
    // order, so that the order within a tier is by downloads.
    sqlx::query(
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 43) \
         INSERT INTO resources (id, kind, name, team_id, title, short_description, description, category, download_count, created_at, updated_at) \
         SELECT 'r-' || i, 'package', 'res-' || i, $1, \
           CASE WHEN i <= 23 THEN 'Glacier run ' || i ELSE 'Other ' || i END, '', \
           CASE WHEN i > 32 THEN 'A glacier somewhere.' ELSE '' END, 'script', (i * 37) % 41, i, i FROM n",
    )
    .bind(&team.id)
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO resource_tags (resource_id, tag) SELECT id, 'glacier' FROM resources \
         WHERE id IN ('r-24', 'r-25', 'r-26', 'r-27', 'r-28', 'r-29', 'r-30', 'r-31', 'r-32')",
    )
    .execute(&app.state.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE resources SET search_tags = 'glacier' WHERE id IN ('r-24', 'r-25', 'r-26', 'r-27', 'r-28', 'r-29', 'r-30', 'r-31', 'r-32')")
        .execute(&app.state.pool)
        .await
        .unwrap();
    // Two matches in names: the exact one first, then one starting with the word.
    package(app, &auth, "glacier", "Exact", "", &[]).await;
    package(app, &auth, "glacier-2", "Starts", "", &[]).await;
    let downloads = |i: i64| (i * 37) % 41;
    let tier_order = |range: std::ops::RangeInclusive<i64>| {
        let mut group: Vec<i64> = range.collect();
        group.sort_by(|a, b| {
            downloads(*b)
                .cmp(&downloads(*a))
                .then(format!("res-{a}").cmp(&format!("res-{b}")))
        });
        group.into_iter().map(|i| format!("res-{i}"))
    };
    let expected: Vec<String> = ["glacier".to_string(), "glacier-2".to_string()]
        .into_iter()
        .chain(tier_order(1..=23))
        .chain(tier_order(24..=32))
        .chain(tier_order(33..=43))
        .collect();
    for page_size in [1, 7, 10, 25, 100] {
        let mut walked = Vec::new();
        for page in 1.. {
            let response = app
                .api(
                    "GET",
                    &format!("{}&page={page}&page_size={page_size}", search("glacier")),
                    None,
                    None,
                )
                .await;
            assert_eq!(response.status, 200, "{}", response.body);
            assert_eq!(response.json()["total"], 45);
            let names = names_in(&response);
            if names.is_empty() {
                break;
            }
            walked.extend(names);
        }
        assert_eq!(walked, expected, "pages of {page_size}");
    }
}

on_both_databases!(
    results_are_ranked_in_tiers_and_found_as_the_user_types,
    hostile_queries_get_a_clean_answer,
    search_follows_edits_and_deletions,
    totals_are_exact_up_to_a_limit_then_say_so,
    pages_cross_from_titles_to_descriptions_in_order,
);
