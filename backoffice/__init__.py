"""What composes every stage: roles and their permissions, demo data, cross-stage screens."""
