"""The newsroom project package, and the app that owns issues and reporters."""
