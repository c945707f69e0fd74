"""The public site: one module a page family (its views, feeds and routes together),
plus the sitemaps, the preview of unpublished pages and the JSON-LD they share."""
