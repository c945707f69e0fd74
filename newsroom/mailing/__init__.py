"""The email edition: subscribers, mailings of an issue or a digest, and their deliveries."""
