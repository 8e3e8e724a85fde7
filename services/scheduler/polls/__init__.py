"""Availability polls: agreeing a date with people whose diaries we cannot see."""
