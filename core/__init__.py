"""Shared building blocks of every stage: domain errors, money, permission checks, photos."""
