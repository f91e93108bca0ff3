"""Notifications: in-app messages to one user, e-mailed now, in a daily digest, or never."""
