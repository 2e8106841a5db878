from .catalogs import register

__all__ = ["register"]
