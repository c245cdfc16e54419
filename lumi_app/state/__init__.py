"""States shared by many pages (the session); page-local states live beside their pages."""
