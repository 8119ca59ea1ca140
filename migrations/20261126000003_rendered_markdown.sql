-- Markdown rendered once, when it is saved (src/markdown.rs), so that views do not render it.
-- NULL for rows saved before these columns existed: the first view renders and stores it.

ALTER TABLE teams ADD COLUMN description_html TEXT;
ALTER TABLE resources ADD COLUMN description_html TEXT;
ALTER TABLE releases ADD COLUMN changelog_html TEXT;
