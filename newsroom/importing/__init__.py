"""Importing issues from the plain-text issue format."""
