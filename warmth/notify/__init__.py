"""Notifications: templates and the channels that carry them."""
