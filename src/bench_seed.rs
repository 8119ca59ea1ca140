//! A catalogue for measuring listings and search at scale (`nanos-store bench-seed`, used by
//! `scripts/bench-listings`): teams, resources with tags and one published release each, written
//! straight into the database by a few `INSERT … SELECT` statements. The schema's own triggers and
//! generated columns index them, as they do every write.
//!
//! Text is made of words picked by multiplicative hashing of the resource's number, so the same
//! count gives the same catalogue on both backends: each word of the list appears in a few percent
//! of the resources (`zombie`, `drift`), and the first tags (`race`) in more than the last.

use sqlx::{Connection, Executor};

use crate::db::{Backend, Pool};

/// Words the titles and descriptions are made of: real ones first, then made-up ones, so that
/// each is found in a few percent of the resources.
fn words() -> Vec<String> {
    const REAL: &[&str] = &[
        "zombie",
        "drift",
        "race",
        "city",
        "police",
        "heist",
        "sniper",
        "tank",
        "farm",
        "island",
        "desert",
        "forest",
        "night",
        "storm",
        "rally",
        "truck",
        "boat",
        "plane",
        "arena",
        "battle",
        "survival",
        "horror",
        "party",
        "casino",
        "prison",
        "school",
        "hospital",
        "airport",
        "harbor",
        "mountain",
        "canyon",
        "highway",
        "street",
        "garage",
        "tuning",
        "parkour",
        "stunt",
        "sandbox",
        "roleplay",
        "economy",
        "inventory",
        "crafting",
        "weather",
        "traffic",
        "radio",
        "phone",
        "map",
        "hud",
        "menu",
        "admin",
    ];
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "to", "va", "zu", "bri", "den", "fal", "gor", "hel", "jin", "kor",
        "lum", "mor", "nix", "pel", "quo", "sar",
    ];
    let mut words: Vec<String> = REAL.iter().map(|w| w.to_string()).collect();
    'made: for first in SYLLABLES {
        for second in SYLLABLES {
            if words.len() == 300 {
                break 'made;
            }
            words.push(format!("{first}{second}x"));
        }
    }
    words
}

/// The tags resources get, the most used first.
const TAGS: &[&str] = &[
    "race",
    "cars",
    "multiplayer",
    "fun",
    "pvp",
    "pve",
    "vehicles",
    "weapons",
    "maps",
    "ui",
    "tools",
    "admin",
    "economy",
    "roleplay",
    "zombies",
    "survival",
    "sandbox",
    "physics",
    "drift",
    "police",
    "crime",
    "building",
    "world",
    "npc",
    "ai",
    "sounds",
    "music",
    "effects",
    "lights",
    "weather",
    "time",
    "chat",
    "voice",
    "phone",
    "inventory",
    "crafting",
    "shop",
    "bank",
    "jobs",
    "housing",
    "furniture",
    "nature",
    "city",
    "desert",
    "snow",
    "water",
    "air",
    "space",
    "horror",
    "comedy",
    "sports",
    "football",
    "golf",
    "racing-league",
    "stunts",
    "parkour",
    "training",
    "debug",
    "library",
    "framework",
];

/// `INSERT INTO table (k, w) VALUES (0, 'a'), (1, 'b'), …` for a list of plain words.
fn values(table: &str, list: &[impl AsRef<str>]) -> String {
    let rows: Vec<String> = list
        .iter()
        .enumerate()
        .map(|(k, w)| format!("({k}, '{}')", w.as_ref()))
        .collect();
    format!("INSERT INTO {table} (k, w) VALUES {}", rows.join(", "))
}

/// Writes `resources` resources (a quarter of them asset packs) of `teams` teams, each with up to
/// three tags and a published release `1.0.0` of one shared file, then refreshes the planner's
/// statistics. Meant for an empty database.
pub async fn seed(pool: &Pool, resources: u32, teams: u32) -> Result<(), sqlx::Error> {
    let backend = Backend::of_pool(pool);
    let words = words();
    let count = words.len();
    let tag_count = TAGS.len();
    let numbers = |limit: u32| {
        format!(
            "WITH RECURSIVE n (i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < {limit}) "
        )
    };
    let word = |alias: &str, prime: u64| {
        format!("JOIN bench_words {alias} ON {alias}.k = ((n.i * {prime}) % 1000003) % {count} ")
    };
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    for statement in [
        "CREATE TEMPORARY TABLE bench_words (k BIGINT PRIMARY KEY, w TEXT NOT NULL)".to_string(),
        "CREATE TEMPORARY TABLE bench_tags (k BIGINT PRIMARY KEY, w TEXT NOT NULL)".to_string(),
        "CREATE TEMPORARY TABLE bench_resource_tags (i BIGINT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (i, tag))".to_string(),
        values("bench_words", &words),
        values("bench_tags", TAGS),
        "INSERT INTO users (id, username, display_name, password_hash, created_at) \
         VALUES ('bench-user', 'bench', 'Bench', '!', 0)"
            .to_string(),
        format!(
            "{}INSERT INTO teams (id, name, title, description, created_at) \
             SELECT 'team-' || i, 'team-' || i, 'Team ' || i, '', 0 FROM n",
            numbers(teams)
        ),
        "INSERT INTO team_members (team_id, user_id, role, added_at) \
         SELECT id, 'bench-user', 'owner', 0 FROM teams WHERE id LIKE 'team-%'"
            .to_string(),
        // Three tag picks per resource, skewed towards the first tags (a product of two hashes).
        format!(
            "{}INSERT INTO bench_resource_tags (i, tag) \
             SELECT DISTINCT n.i, t.w FROM n \
             JOIN (SELECT 0 AS j UNION ALL SELECT 1 UNION ALL SELECT 2) s ON 1 = 1 \
             JOIN bench_tags t ON t.k = ((((n.i * (7919 + s.j * 104)) % 997) * ((n.i * (6007 + s.j * 58)) % 997) * 200) / 994009) % {tag_count}",
            numbers(resources)
        ),
        format!(
            "{}INSERT INTO resources (id, kind, name, team_id, title, short_description, description, category, \
                                    created_at, updated_at, download_count, search_tags) \
             SELECT 'bench-' || n.i, \
                    CASE WHEN n.i % 4 = 0 THEN 'asset-pack' ELSE 'package' END, \
                    a.w || '-' || b.w || '-' || n.i, \
                    'team-' || (1 + n.i % {teams}), \
                    a.w || ' ' || b.w || ' ' || c.w, \
                    c.w || ' ' || d.w || ' for your server', \
                    'A ' || d.w || ' ' || e.w || ' with ' || f.w || ' and ' || g.w || '.', \
                    CASE WHEN n.i % 4 = 0 THEN (CASE n.i % 3 WHEN 0 THEN 'vehicles' WHEN 1 THEN 'buildings' ELSE 'weapons' END) \
                         ELSE (CASE (n.i / 4) % 5 WHEN 0 THEN 'script' WHEN 1 THEN 'game-mode' WHEN 2 THEN 'map' \
                                                  WHEN 3 THEN 'loading-screen' ELSE 'c-module' END) END, \
                    1700000000 + (n.i * 7907) % 63000000, 1700000000 + (n.i * 7907) % 63000000, \
                    1000000 / (1 + (n.i * 7919) % 100000), \
                    COALESCE((SELECT string_agg(x.tag, ' ' ORDER BY x.tag) FROM bench_resource_tags x WHERE x.i = n.i), '') \
             FROM n {}{}{}{}{}{}{}",
            numbers(resources),
            word("a", 7919),
            word("b", 104_729),
            word("c", 15_485_863),
            word("d", 32_452_843),
            word("e", 49_979_687),
            word("f", 67_867_967),
            word("g", 86_028_121),
        ),
        "INSERT INTO resource_tags (resource_id, tag) SELECT 'bench-' || i, tag FROM bench_resource_tags"
            .to_string(),
        format!(
            "INSERT INTO blobs (sha256, size, created_at) VALUES ('{}', 1024, 0)",
            "0".repeat(64)
        ),
        format!(
            "INSERT INTO releases (id, resource_id, version, version_major, version_minor, version_patch, channel, state, \
                                   changelog, sha256, size, unpacked_size, file_count, manifest, uploaded_by, created_at, \
                                   published_at, download_count) \
             SELECT 'release-' || id, id, '1.0.0', 1, 0, 0, 'stable', 'published', '', '{}', 1024, 2048, 2, 'null', \
                    'bench-user', created_at, created_at, download_count FROM resources WHERE id LIKE 'bench-%'",
            "0".repeat(64)
        ),
    ] {
        (&mut *tx).execute(statement.as_str()).await?;
    }
    tx.commit().await?;
    match backend {
        Backend::Sqlite => {
            (&mut *conn)
                .execute("INSERT INTO resource_search (resource_search) VALUES ('optimize')")
                .await?;
            (&mut *conn)
                .execute("INSERT INTO resource_names (resource_names) VALUES ('optimize')")
                .await?;
            (&mut *conn).execute("ANALYZE").await?;
        }
        Backend::Postgres => {
            (&mut *conn).execute("VACUUM ANALYZE").await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_plain_and_distinct() {
        let words = words();
        assert_eq!(words.len(), 300);
        let mut sorted = words.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 300);
        assert!(words
            .iter()
            .chain(
                TAGS.iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .iter()
            )
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }
}
