"""Schema inspection: PostgreSQL's catalogs read into a plain, comparable ``SchemaModel``.

``model`` holds the dataclasses (importing it costs nothing); ``load.load_schema`` reads a
database into them and is the only part that needs psycopg.
"""

from schemactl.catalog.model import EMPTY, SchemaModel

__all__ = ["EMPTY", "SchemaModel"]
