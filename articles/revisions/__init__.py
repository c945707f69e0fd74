"""Article revisions: their history and restore, differences between them, and edit conflicts."""
