"""Exports for people outside the app (quality teams): plain data in, text out."""
