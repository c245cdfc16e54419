"""Lumi's Reflex app: pages, the shell, session state and the typed API client."""
