"""Alembic environment and versions, shipped inside the package so an install can migrate."""
