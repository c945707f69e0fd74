"""Chinese search: the tokenizer, the database index it feeds, the query engine, and highlighting."""
