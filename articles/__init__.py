"""Articles, their bylines and zone mentions, the body sanitizer and search."""
