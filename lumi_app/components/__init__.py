"""Reusable components: the page shell and form pieces."""
