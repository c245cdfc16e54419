"""Integration tests: a package, so its stacks (package-scoped fixtures) stop when its last test has run."""
