"""Channels that carry notifications to people, and the rules for SMS text."""
