"""Data layer: the asyncpg pool, migrations and the SQL of each aggregate."""
