"""Measuring melodies against reference solos: metrics, set comparison, report."""
